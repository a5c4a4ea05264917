#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into Fuzz/Corpus/<target>/ (FUZZING.md).

Usage: Fuzz/generate-seeds.py   (from anywhere; needs python3 with PyYAML, which scripts/install-deps.sh installs)

The seeds are small, realistic inputs in the layout each target reads (see the comment at the top of each target):
BgMax files built record by record like the parser's tests, message bodies from the examples in asyncapi.yaml,
encoded AMQP tables and properties as RabbitMQ delivers them, identifiers, dates and query strings. A few edge values
from issue 13 (largest amounts, year 9999, 2^64 - 1 timestamps, a bundle count of 2^63 - 1) are seeds too, so that
every run starts from them.

Run it again after adding a message type to the catalogue (with its example in asyncapi.yaml) or changing an
example, and commit Fuzz/Corpus/ (FUZZING.md, "The messages seeds, and when to write them again"). The output is
deterministic: a run with nothing changed leaves the corpus byte for byte as it was.
"""

import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "Corpus"


def write(target: str, name: str, data: bytes) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


# ---------------------------------------------------------------------------------------------------------------------
# bgmax: records per Bankgirot's layout, positions as in Tests/KvittContractsTests/BgMaxParserTests.swift


def left(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


def right(text: str, width: int) -> str:
    return " " * max(0, width - len(text)) + text


def zeros(digits: str, width: int) -> str:
    return "0" * max(0, width - len(digits)) + digits


def start(marker: str = "T") -> str:
    return "01" + left("BGMAX", 20) + "01" + "20260115063012123456" + marker


def opening(bankgiro: str, plusgiro: str = "", currency: str = "SEK") -> str:
    return "05" + zeros(bankgiro, 10) + (zeros(plusgiro, 10) if plusgiro else left("", 10)) + currency


def payment(reference: str, amount: int, code: int, serial: str, kind: str = "20", sender: str = "0",
            channel: int = 1, image: int = 0, deduction: str = "") -> str:
    field = right(reference, 25) if code == 2 else left(reference, 25)
    return (kind + zeros(sender, 10) + field + zeros(str(amount), 18) + f"{code}{channel}" + zeros(serial, 12)
            + str(image) + deduction)


def deposit(total: int, count: int, serial: str = "00001", date: str = "20260115", currency: str = "SEK",
            kind: str = "") -> str:
    return ("15" + zeros("50000001234567", 35) + date + serial + zeros(str(total), 18) + currency
            + zeros(str(count), 8) + kind)


def end(payments: int, deductions: int = 0, extras: int = 0, deposits: int = 1) -> str:
    return "70" + "".join(zeros(str(n), 8) for n in (payments, deductions, extras, deposits))


def bgmax_file(lines: list[str], separator: str = "\r\n", padded: bool = True) -> bytes:
    return (separator.join(left(line, 80) if padded else line for line in lines) + separator).encode("latin-1")


def bgmax_seeds() -> None:
    simple = [
        start(),
        opening("54029681"),
        payment("100065", 125_000, 2, "1"),
        "26" + left("Anna Andersson", 35),
        "27" + left("Storgatan 1", 35) + "11122",
        "28" + left("Stockholm", 35),
        payment("Faktura 1043", 50_000, 3, "2", sender="9020033", channel=2),
        "25" + "Avser faktura 1043 och 1044",
        "29" + "005560360793",
        deposit(175_000, 2),
        end(2),
    ]
    write("bgmax", "one-deposit-crlf.txt", bgmax_file(simple))
    write("bgmax", "one-deposit-lf-unpadded.txt", bgmax_file(simple, "\n", padded=False))
    write("bgmax", "one-deposit-no-line-breaks.txt", bgmax_file(simple, ""))
    write("bgmax", "one-deposit-blank-lines-eof.txt", bgmax_file(simple[:5] + [""] + simple[5:], "\n") + b"\x1a")

    deductions = [
        start("P"),
        opening("9912346", plusgiro="4711", currency="SEK"),
        payment("1234567897", 300_000, 2, "10"),
        payment("65", 0, 2, "10", kind="22"),
        payment("73", 10_000, 2, "10", kind="23"),
        payment("Kreditnota 7", 20_000, 3, "11", kind="21", deduction="1"),
        "26" + left("Bygg & Måleri AB", 35) + left("c/o Ekonomi", 35),
        "28" + left("Malmö", 35) + left("Sverige", 35) + "SE",
        deposit(280_000, 2, kind="K"),
        opening("54029681", currency="EUR"),
        payment("RF18539007547034", 12_345, 4, "12", channel=3, image=1),
        deposit(12_345, 1, serial="00002", currency="EUR"),
        end(2, deductions=1, extras=2, deposits=2),
    ]
    write("bgmax", "two-deposits-deduction-extra-references-eur.txt", bgmax_file(deductions, "\n"))

    # Ten deposits of the largest amount the layout holds: each adds up, their sum does not fit in 64 bits.
    largest = 999_999_999_999_999_999
    lines = [start("P")]
    for index in range(10):
        lines += [opening("54029681"), payment("100065", largest, 2, str(index + 1)),
                  deposit(largest, 1, serial=zeros(str(index + 1), 5))]
    lines.append(end(10, deposits=10))
    write("bgmax", "ten-deposits-of-the-largest-amount.txt", bgmax_file(lines))

    tabbed = [line.replace("        ", "\t", 1) if line.startswith("26") else line for line in simple]
    write("bgmax", "tabs-and-cr.txt", bgmax_file(tabbed, "\r"))

    # A record type the layout does not define (skipped and counted), and the file re-encoded as UTF-8 (read as UTF-8,
    # so that å and ö do not shift their records' fields).
    write("bgmax", "unknown-record-type.txt", bgmax_file(simple[:6] + ["99" + "A RECORD TYPE OF THE FUTURE"] + simple[6:]))
    utf8 = [line.replace("Anna Andersson", "Åsa Öberg Plåt") for line in simple]
    write("bgmax", "utf8-re-encoded.txt", "\r\n".join(left(line, 80) for line in utf8).encode("utf-8") + b"\r\n")


# ---------------------------------------------------------------------------------------------------------------------
# bundle: [count header kind][8 bytes value][content type bit][body]


def bundle_body(entries: list[tuple[str, bytes]]) -> bytes:
    out = b""
    for message_id, body in entries:
        encoded_id = message_id.encode()
        out += struct.pack(">I", len(encoded_id)) + encoded_id + struct.pack(">I", len(body)) + body
    return out


def bundle_seeds() -> None:
    paid = [
        (f"5f0c6a52-0d1e-4c3b-9a8f-00000000000{n}",
         json.dumps({"invoiceID": f"inv-{n}", "amount": {"amount": 125000 + n, "currency": "SEK"},
                     "paidOn": "2026-01-15"}, separators=(",", ":"), sort_keys=True).encode())
        for n in range(3)
    ]
    int64, uint64, string, no_header = 7, 8, 9, 0
    write("bundle", "two-messages-int64-count", bytes([int64]) + struct.pack(">q", 2) + b"\x01"
          + bundle_body(paid[:2]))
    write("bundle", "three-messages-uint64-count", bytes([uint64]) + struct.pack(">Q", 3) + b"\x01"
          + bundle_body(paid))
    write("bundle", "count-as-string", bytes([string]) + struct.pack(">q", 2) + b"\x01" + bundle_body(paid[:2]))
    write("bundle", "count-2-pow-63-minus-1", bytes([int64]) + struct.pack(">q", 2**63 - 1) + b"\x01"
          + bundle_body(paid[:2]))
    write("bundle", "count-missing", bytes([no_header]) + bytes(8) + b"\x01" + bundle_body(paid[:2]))
    write("bundle", "truncated", bytes([int64]) + struct.pack(">q", 2) + b"\x01" + bundle_body(paid[:2])[:-7])
    write("bundle", "plain-json", bytes([no_header]) + bytes(8) + b"\x00" + paid[0][1])


# ---------------------------------------------------------------------------------------------------------------------
# amqp-table and amqp-properties: AMQP 0-9-1 wire encoding


def shortstr(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return bytes([len(data)]) + data


def longstr(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack(">I", len(data)) + data


def table(entries: list[tuple[str | bytes, bytes]]) -> bytes:
    body = b"".join(shortstr(name) + value for name, value in entries)
    return struct.pack(">I", len(body)) + body


def array(values: list[bytes]) -> bytes:
    body = b"".join(values)
    return struct.pack(">I", len(body)) + body


def utf8(text: str | bytes) -> bytes:
    return b"S" + longstr(text)


def x_death() -> bytes:
    death = table([
        ("count", b"l" + struct.pack(">q", 3)),
        ("reason", utf8("rejected")),
        ("queue", utf8("invoicing")),
        ("time", b"T" + struct.pack(">Q", 1_768_458_612)),
        ("exchange", utf8("kvitt")),
        ("routing-keys", b"A" + array([utf8("invoicing.create-invoice.v1")])),
    ])
    return b"A" + array([b"F" + death])


def kvitt_headers() -> bytes:
    return table([
        ("causation-id", utf8("8d3f2b1a-6c4e-4f7a-9b2d-1e0f3a5c7b91")),
        ("kvitt-bundle-count", b"l" + struct.pack(">q", 2)),
        ("x-death", x_death()),
        ("x-first-death-reason", utf8("rejected")),
    ])


def every_kind() -> bytes:
    return table([
        ("bool", b"t\x01"),
        ("i8", b"b\xff"),
        ("u8", b"B\xff"),
        ("i16", b"s" + struct.pack(">h", -2)),
        ("u16", b"u" + struct.pack(">H", 65535)),
        ("i32", b"I" + struct.pack(">i", -3)),
        ("u32", b"i" + struct.pack(">I", 2**32 - 1)),
        ("i64", b"l" + struct.pack(">q", -(2**63))),
        ("u64", b"L" + struct.pack(">Q", 2**64 - 1)),
        ("f32", b"f" + struct.pack(">f", 1.5)),
        ("f64", b"d" + struct.pack(">d", -0.0)),
        ("nan", b"d" + bytes.fromhex("7ff8000000000001")),
        ("decimal", b"D\x02" + struct.pack(">I", 12345)),
        ("text", utf8("räksmörgås")),
        ("bytes", b"x" + longstr(b"\x00\xff\xfe")),
        ("void", b"V"),
        ("nested", b"F" + table([("inner", b"A" + array([b"t\x00", utf8("")]))])),
    ])


def table_seeds() -> None:
    write("amqp-table", "kvitt-headers-with-x-death", kvitt_headers())
    write("amqp-table", "every-field-kind", every_kind())
    write("amqp-table", "empty", table([]))
    write("amqp-table", "timestamp-2-pow-64-minus-1", table([("time", b"T" + struct.pack(">Q", 2**64 - 1))]))
    write("amqp-table", "cc-and-bcc", table([("CC", b"A" + array([utf8("payment-matching")])),
                                             ("BCC", b"A" + array([utf8("audit")]))]))
    write("amqp-table", "invalid-utf8", table([(b"na\xffme", utf8(b"va\xc3lue")), ("ok", utf8(b"\xed\xa0\x80"))]))
    nested = b"V"
    for _ in range(40):
        nested = b"A" + array([nested])
    write("amqp-table", "nested-40-deep", table([("deep", nested)]))


def properties(fields: dict) -> bytes:
    order = [
        ("content_type", 15, shortstr), ("content_encoding", 14, shortstr), ("headers", 13, lambda t: t),
        ("delivery_mode", 12, lambda n: bytes([n])), ("priority", 11, lambda n: bytes([n])),
        ("correlation_id", 10, shortstr), ("reply_to", 9, shortstr), ("expiration", 8, shortstr),
        ("message_id", 7, shortstr), ("timestamp", 6, lambda n: struct.pack(">Q", n)), ("type", 5, shortstr),
        ("user_id", 4, shortstr), ("app_id", 3, shortstr), ("cluster_id", 2, shortstr),
    ]
    flags = 0
    body = b""
    for name, bit, encode in order:
        if name in fields:
            flags |= 1 << bit
            body += encode(fields[name])
    return struct.pack(">H", flags) + body


def properties_seeds() -> None:
    command = {
        "content_type": "application/json", "delivery_mode": 2,
        "correlation_id": "0b6f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "message_id": "5f0c6a52-0d1e-4c3b-9a8f-7e6d5c4b3a21",
        "timestamp": 1_768_458_612, "type": "invoicing.create-invoice.v1", "app_id": "erp",
        "headers": table([("causation-id", utf8("8d3f2b1a-6c4e-4f7a-9b2d-1e0f3a5c7b91"))]),
    }
    write("amqp-properties", "command", properties(command))
    write("amqp-properties", "dead-letter-copy", properties({**command, "headers": kvitt_headers()}))
    write("amqp-properties", "user-id-expiration-cc", properties({
        **command, "user_id": "erp", "expiration": "60000", "priority": 9, "reply_to": "amq.rabbitmq.reply-to",
        "headers": table([("CC", b"A" + array([utf8("payment-matching")]))]),
    }))
    write("amqp-properties", "timestamp-2-pow-64-minus-1", properties({**command, "timestamp": 2**64 - 1}))
    write("amqp-properties", "bundle", properties({
        **command, "content_type": "application/vnd.kvitt.bundle", "type": "invoicing.invoice-paid.v1",
        "headers": table([("kvitt-bundle-count", b"l" + struct.pack(">q", 2))]),
    }))
    write("amqp-properties", "invalid-utf8-message-id", properties({**command, "message_id": b"\xff" * 200}))
    write("amqp-properties", "nothing", properties({}))
    write("amqp-properties", "every-field", properties({
        **command, "content_encoding": "identity", "headers": every_kind(), "cluster_id": "rabbit@kvitt",
        "user_id": "guest",
    }))


# ---------------------------------------------------------------------------------------------------------------------
# messages: <wire name>\n<JSON body>
#
# The wire name picks the type by name (MessageFuzzTarget.swift), so a seed stays on its type when the catalogue's
# order changes. Run this script again after adding a message type (or changing an example in asyncapi.yaml), so that
# the new type has a seed.


def catalogue_wire_names() -> set[str] | None:
    """The wire names of MessageCatalogue.entries, read from the Swift sources; None when they cannot be read.

    Only a cross-check: the seeds come from asyncapi.yaml's examples and name their type, so a catalogue this script
    cannot read costs the check, not the seeds.
    """
    contracts = ROOT / "Shared" / "KvittContracts"
    wire_names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for path in contracts.rglob("*.swift"):
        current = None
        for line in path.read_text().splitlines():
            declaration = re.search(r"\b(?:struct|enum|extension)\s+(\w+)", line)
            if declaration:
                current = declaration.group(1)
            wire = re.search(r'static let messageType: MessageType = "([^"]+)"', line)
            if wire and current:
                wire_names[current] = wire.group(1)
            # `typealias ReminderSent = CollectionStepEvent<CollectionSteps.Reminder>`: the wire name is Reminder's.
            alias = re.search(r"typealias (\w+) = \w+<(?:\w+\.)*(\w+)>", line)
            if alias:
                aliases[alias.group(1)] = alias.group(2)
    for alias, inner in aliases.items():
        if inner in wire_names:
            wire_names.setdefault(alias, wire_names[inner])
    source = (contracts / "MessageCatalogue.swift").read_text()
    types = re.findall(r"\bEntry\(\s*(\w+)\.self", source)
    if not types:
        return None
    unknown = [name for name in types if name not in wire_names]
    for name in unknown:
        print(f"messages: cannot tell the wire name of catalogue type {name} from the sources", file=sys.stderr)
    return {wire_names[name] for name in types if name in wire_names}


def message_seed(wire_name: str, body: bytes) -> bytes:
    return wire_name.encode() + b"\n" + body


def message_seeds() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-contract.py"), str(ROOT / "asyncapi.yaml"), "--examples"],
        check=True, capture_output=True,
    )
    examples = json.loads(result.stdout)
    catalogue = catalogue_wire_names()
    if catalogue is None:
        print("messages: no `Entry(Type.self…)` found in MessageCatalogue.swift; seeds written without the check "
              "against the catalogue", file=sys.stderr)
    else:
        for wire_name in sorted(catalogue - examples.keys()):
            print(f"messages: no seed for {wire_name}: asyncapi.yaml has no example for it", file=sys.stderr)
        for wire_name in sorted(examples.keys() - catalogue):
            print(f"messages: {wire_name} has an example but is not in the catalogue (seeded anyway)",
                  file=sys.stderr)
    for wire_name, example in sorted(examples.items()):
        body = json.dumps(example, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        write("messages", wire_name, message_seed(wire_name, body))
    if "invoicing.create-invoice.v1" in examples:
        name = "invoicing.create-invoice.v1"
        text = json.dumps(examples[name], ensure_ascii=False)
        # The edge values: a date in year 9999, and unit prices of Int64.max that overflow any sum.
        year_9999 = re.sub(r'"\d{4}-\d{2}-\d{2}"', '"9999-12-31"', text, count=1)
        write("messages", f"{name}-year-9999", message_seed(name, year_9999.encode()))
        largest_price = re.sub(r'("unitPrice": )\d+', r"\g<1>9223372036854775807", text)
        write("messages", f"{name}-largest-prices", message_seed(name, largest_price.encode()))
    # Selectors that name no type: a well-formed wire name of an unknown version, and one that is not a wire name.
    # Both pick a type by hash, and both exercise MessageType(wireName:).
    write("messages", "unknown-version", message_seed("invoicing.create-invoice.v99", b"{}"))
    write("messages", "not-a-wire-name", message_seed("Invoicing.Create_Invoice.v0", b"[]"))


# ---------------------------------------------------------------------------------------------------------------------
# identifiers: [OCR level][fixed length][second length][4 bytes reference date][text]

IDENTIFIERS = {
    "ocr": "12351",
    "ocr-with-spaces": "  1234567897 ",
    "personnummer-ten": "811218-9876",
    "personnummer-twelve": "198112189876",
    "personnummer-centenarian": "190303+9871",
    "samordningsnummer": "701063-2391",
    "organisationsnummer": "556036-0793",
    "organisationsnummer-twelve": "165560360793",
    "bankgiro": "5050-1055",
    "bankgiro-seven": "991-2346",
    "iban-print": "SE45 5000 0000 0583 9825 7466",
    "iban-electronic": "DE89370400440532013000",
    "bic": "ESSESESSXXX",
    "fullwidth-digits": "１２３５１",
}


def identifier_seeds() -> None:
    for index, (name, text) in enumerate(IDENTIFIERS.items()):
        steering = bytes([index % 5, 12, 15]) + struct.pack(">I", 0x7A00_0000 + index)
        write("identifiers", name, steering + text.encode())


# ---------------------------------------------------------------------------------------------------------------------
# calendar-date: [days][months][instant][year][month][day] (8 bytes each) [text]


def calendar_seeds() -> None:
    def seed(days: int, months: int, instant: int, ymd: tuple[int, int, int], text: str) -> bytes:
        numbers = (days, months, instant) + ymd
        return b"".join(struct.pack(">q", n) for n in numbers) + text.encode()

    write("calendar-date", "payment-terms", seed(30, 1, 1_768_458_612, (2026, 1, 31), "2026-03-02"))
    write("calendar-date", "year-9999", seed(1, 120, 253_402_300_799, (9999, 12, 31), "9999-12-31"))
    write("calendar-date", "supported-ends", seed(-1, -1, -2_208_988_800, (1900, 1, 1), "2199-12-31"))
    write("calendar-date", "leap-day", seed(365, 12, 951_782_400, (2000, 2, 29), "2024-02-29"))
    write("calendar-date", "largest-counts", seed(2**63 - 1, -(2**63), 2**63 - 1, (1, 1, 1), "0001-01-01"))
    write("calendar-date", "not-a-date", seed(0, 0, 0, (2026, 2, 30), "2026-02-30"))


# ---------------------------------------------------------------------------------------------------------------------
# query-parameters: a query string


QUERIES = {
    "invoices": "creditor=acme&status=open&colour=red&from=2026-01-01&to=2026-12-31&limit=50&offset=0",
    "closed-to-9999": "closedFrom=2026-01-01&closedTo=9999-12-31",
    "limit-too-large": "limit=99999999999999999999999&offset=-1",
    "payments-report": "from=2026-03-01&to=2026-02-01&format=csv",
    "receivables": "creditor=acme&open=true",
    "usage": "year=2026",
    "repeated": "status=open&status=closed",
    "unknown": "sort=desc",
    "percent-encoded": "creditor=Bygg%20%26%20M%C3%A5leri&debtor=%FF",
}


def query_seeds() -> None:
    for name, query in QUERIES.items():
        write("query-parameters", name, query.encode())


def main() -> None:
    for target in ["bgmax", "bundle", "amqp-table", "amqp-properties", "messages", "identifiers", "calendar-date",
                   "query-parameters"]:
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    bgmax_seeds()
    bundle_seeds()
    table_seeds()
    properties_seeds()
    message_seeds()
    identifier_seeds()
    calendar_seeds()
    query_seeds()
    for directory in sorted(CORPUS.iterdir()):
        print(f"{directory.name}: {len(list(directory.iterdir()))} seeds")


if __name__ == "__main__":
    main()
