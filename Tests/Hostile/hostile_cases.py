"""The hostile and edge messages, one `Case` each, and what each may lead to.

Every case is built when the barrage starts, from the `World` (a creditor and issued invoices the suite set up) and
a unique token that becomes its message id and correlation id. A case names the outcomes it may have per service
that receives it:

- `parked`: a copy in `<service>.dead-letter` with an `x-kvitt-failure-reason` (one of `reasons` when given);
- `rejected`: the service's `command-rejected` event for it, with field errors (naming one of `fields` when given);
- `processed`: an event the service published because of it (its `causation-id`);
- `acknowledged`: consumed with nothing to observe (only for edge events a service may legitimately absorb).

A hostile case allows only `parked` and `rejected`; an edge case (a valid message with an odd property or a boundary
value) may also be processed.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass, field
from typing import Callable

from amqp_tools import BUNDLE_CONTENT_TYPE, BUNDLE_COUNT_HEADER, Outgoing, RawField, bundle
from service_processes import SERVICES

PARKED = "parked"
REJECTED = "rejected"
PROCESSED = "processed"
ACKNOWLEDGED = "acknowledged"
PARKED_OR_REJECTED = frozenset({PARKED, REJECTED})

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
UINT64_MAX = 2**64 - 1
#: The runtime's default maximum message size (16 MiB) and one MiB more: under RabbitMQ's own 128 MiB limit.
OVER_MAXIMUM_BYTES = 17 * 1024 * 1024

#: The reasons a parked copy may carry: the runtime's `FailureReason` cases, with those issue 13 adds.
KNOWN_REASONS = frozenset(
    {
        "undecodable-body",
        "unknown-message-type",
        "missing-message-id",
        "retries-exhausted",
        "permanent-failure",
        "message-id-reused",
        "too-large",
        "invalid-properties",
    }
)
#: A message whose properties or headers are out of range may be parked for them before its body is read.
BODY_OR_PROPERTIES = frozenset({"undecodable-body", "invalid-properties"})

#: A command each service consumes (and no other service does): the routing key for its generic cases.
SERVICE_COMMAND = {
    "invoicing": "invoicing.create-invoice.v1",
    "payment-matching": "payment-matching.register-payment.v1",
    "debt-collection": "debt-collection.send-to-collection.v1",
    "tax-reduction": "tax-reduction.generate-claim-file.v1",
}

UNDECODABLE = b"\x00this is not JSON {"


@dataclass
class World:
    """What the suite set up before the barrage, for cases that refer to real data."""

    today: str
    creditor_id: str
    bankgiro: str
    invoice_id: str
    invoice_number: str
    amount_due: int
    rot_invoice_id: str
    rot_invoice_number: str
    rot_buyer: str


@dataclass
class Case:
    name: str
    build: Callable[[World, str], list[Outgoing]]
    allowed: frozenset[str] = PARKED_OR_REJECTED
    reasons: frozenset[str] | None = None
    #: A rejection must name one of these fields, or a field within one (`lines[0]` covers `lines[0].quantity`).
    fields: tuple[str, ...] = ()
    #: A first message published (and seen processed) before the barrage: message-id reuse and duplicates.
    prelude: Callable[[World, str], Outgoing] | None = None
    #: Extra checks the case's test makes (see test_barrage.py).
    checks: tuple[str, ...] = ()
    #: Publish after every other case (an edge event that may change the world others refer to).
    last: bool = False

    def names_expected_field(self, name: str) -> bool:
        return any(name == field or name.startswith((field + ".", field + "[")) for field in self.fields)

    @property
    def hostile(self) -> bool:
        return self.allowed <= PARKED_OR_REJECTED


CASES: list[Case] = []


def case(name: str, **options) -> Callable:
    def register(build: Callable[[World, str], list[Outgoing] | Outgoing]) -> Callable:
        def as_list(world: World, token: str) -> list[Outgoing]:
            built = build(world, token)
            return built if isinstance(built, list) else [built]

        CASES.append(Case(name, as_list, **options))
        return build

    return register


# --- building blocks --------------------------------------------------------------------------------------------


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def properties(token: str, message_type: str | None, **extra) -> dict:
    """What a well-behaved upstream sets: id, type, correlation, content type, persistence, time, sender."""
    chosen = {
        "message_id": token,
        "correlation_id": token,
        "type": message_type,
        "content_type": "application/json",
        "delivery_mode": 2,
        "timestamp": int(time.time()),
        "app_id": "hostile-suite",
        "headers": {"hostile-case": token},
    }
    chosen.update(extra)
    return {key: value for key, value in chosen.items() if value is not None}


def command(routing_key: str, token: str, body: bytes, **extra) -> Outgoing:
    return Outgoing(routing_key=routing_key, body=body, properties=properties(token, routing_key, **extra))


def debtor() -> dict:
    return {
        "kind": "company",
        "name": "Kund Konsult AB",
        "identityNumber": "556036-0793",
        "address": {"street": "Kungsgatan 12", "postalCode": "111 43", "city": "Stockholm"},
    }


def line(unit_price: int = 95_000, quantity: str = "2", vat_rate: int = 25, **extra) -> dict:
    return {"description": "Konsulttimme", "quantity": quantity, "unit": "h", "unitPrice": unit_price,
            "vatRate": vat_rate, **extra}


def invoice(world: World, token: str, **overrides) -> dict:
    body = {
        "creditorID": world.creditor_id,
        "externalID": token,
        "currency": "SEK",
        "invoiceDate": world.today,
        "debtor": debtor(),
        "lines": [line()],
    }
    body.update(overrides)
    return body


def creditor(creditor_id: str, name: str = "Hostile Bygg AB") -> dict:
    return {
        "creditorID": creditor_id,
        "name": name,
        "organisationNumber": "556677-8899",
        "bankgiro": "5050-1055",
        "foreignAccounts": [{"currency": "EUR", "iban": "SE45 5000 0000 0583 9825 7466", "bic": "ESSESESS"}],
        "reminderFeeAgreed": True,
        "paymentTermsDays": 30,
        "ocrControl": {"level": "hard"},
        "invoiceNumberSeries": {"start": 1001},
        "warningWindowDays": 3,
        "collection": {"reminderDaysAfterDue": 5, "collectionDaysAfterDue": 15},
    }


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "SEK"}


def rot_invoice(world: World, token: str, **line_reduction) -> dict:
    reduction = {"kind": "rot", "workType": "Bygg", "hours": "20", **line_reduction}
    return invoice(
        world,
        token,
        debtor={"kind": "private", "name": "Anna Andersson", "identityNumber": world.rot_buyer,
                "address": {"street": "Storgatan 1", "postalCode": "111 22", "city": "Stockholm"}},
        lines=[line(unit_price=50_000, quantity="20", taxReduction=reduction)],
        taxReduction={"buyers": [world.rot_buyer], "hoursToReport": 20, "propertyDesignation": "Stockholm Söder 1:23"},
    )


def issued_event(world: World, invoice_id: str, **overrides) -> dict:
    body = {
        "invoiceID": invoice_id,
        "creditorID": world.creditor_id,
        "invoiceNumber": "990001",
        "ocr": "99000155",
        "kind": "debit",
        "invoiceDate": world.today,
        "dueDate": world.today,
        "total": money(INT64_MAX),
        "taxReduction": money(0),
        "amountDue": money(INT64_MAX),
        "debtor": debtor(),
        "paymentMeans": {"kind": "bankgiro-ocr", "bankgiro": world.bankgiro, "reference": "99000155",
                         "reconcilableFromBankgiro": True},
    }
    body.update(overrides)
    return body


def pad(record: str) -> str:
    """A BgMax record padded to its 80 characters."""
    return record.ljust(80)


def zeros(digits: str, width: int) -> str:
    """A BgMax numeric field: `digits` right-aligned in `width` zeros."""
    return digits.rjust(width, "0")


def bgmax_file(deposits: int, amount: int, today: str) -> str:
    """A well-formed BgMax file: `deposits` deposits of one payment of `amount` öre each (records as in
    Tests/KvittContractsTests/BgMaxParserTests.swift, padded to 80 characters)."""
    date = today.replace("-", "")
    lines = [pad("01" + "BGMAX".ljust(20) + "01" + date + "063012123456" + "P")]
    for deposit in range(1, deposits + 1):
        lines.append(pad("05" + zeros("50501055", 10) + " " * 10 + "SEK"))
        lines.append(pad("20" + zeros("0", 10) + "hostile".ljust(25) + zeros(str(amount), 18) + "31"
                         + zeros(str(deposit), 12) + "0"))
        lines.append(pad("15" + zeros("50000001234567", 35) + date + zeros(str(deposit), 5) + zeros(str(amount), 18)
                         + "SEK" + zeros("1", 8)))
    lines.append(pad("70" + zeros(str(deposits), 8) + zeros("0", 8) + zeros("0", 8) + zeros(str(deposits), 8)))
    return "\r\n".join(lines) + "\r\n"


#: The frame size the broker and the services agree on (RabbitMQ's default, and what KvittAMQP asks for).
FRAME_MAX = 131_072
#: A content header frame carries 8 bytes of framing and 12 of class, weight and body size besides the properties.
HEADER_FRAME_OVERHEAD = 8 + 12


def fill_frame(message: Outgoing, value_bytes: int, slack: int = 100) -> Outgoing:
    """Adds application headers of `value_bytes` each until the message's properties fill its header frame to within
    `slack` bytes: the broker takes it, but the same headers with the x-kvitt-* failure headers added do not fit."""
    headers = message.properties["headers"]
    budget = FRAME_MAX - HEADER_FRAME_OVERHEAD - slack
    index = 0
    while True:
        used = properties_size(message)
        entry = len(f"x-upstream-{index:05d}") + 1 + 5 + value_bytes
        if used + entry > budget:
            break
        headers[f"x-upstream-{index:05d}"] = "v" * value_bytes
        index += 1
    # The last few bytes in one filler value, so the frame is exactly `slack` bytes short of full.
    filler_overhead = len("x-upstream-filler") + 1 + 5
    headers["x-upstream-filler"] = "f" * max(0, budget - properties_size(message) - filler_overhead)
    return message


def properties_size(message: Outgoing) -> int:
    return len(b"".join(message.basic_properties().encode()))


def nested_table(depth: int) -> dict:
    table: dict = {"leaf": "bottom"}
    for level in range(depth):
        table = {f"level-{level}": table, "list": [level, "text", True, None, [1, [2, [3]]]]}
    return table


# --- generic cases, once per service ----------------------------------------------------------------------------

for _service in SERVICES:
    _key = SERVICE_COMMAND[_service]
    _others = [other for other in SERVICES if other != _service]

    @case(f"{_service}-user-id-undecodable", reasons=frozenset({"undecodable-body"}),
          checks=("no-routing-properties",))
    def _(world, token, _key=_key):
        sent = command(_key, token, UNDECODABLE, user_id="erp")
        sent.user = "erp"
        return sent

    @case(f"{_service}-huge-headers-undecodable", reasons=frozenset({"undecodable-body"}))
    def _(world, token, _key=_key):
        # About 128 KiB of the sender's headers, 100 bytes short of a full frame: with the x-kvitt-* failure headers
        # added they no longer fit, so the parked copy must cap them.
        return fill_frame(command(_key, token, UNDECODABLE), value_bytes=200)

    @case(f"{_service}-nested-tables-arrays-invalid-utf8-header", reasons=BODY_OR_PROPERTIES)
    def _(world, token, _key=_key):
        message = command(_key, token, UNDECODABLE)
        message.properties["headers"].update(
            {
                "nested": nested_table(40),
                "array": [1, -1, INT64_MAX, "x", b"\x00\xff", [[[]]], {"a": {"b": None}}],
                "not-utf8": RawField.long_string(b"caf\xc3\x28 \xff\xfe"),
                b"key-\xff\xfe": "value under a key that is not UTF-8",
                "timestamp-max": RawField.timestamp(UINT64_MAX),
                "retry-count-forged": RawField.signed_64(INT64_MAX),
                "x-kvitt-retry-count": RawField.signed_64(INT64_MAX),
            }
        )
        return message

    @case(f"{_service}-forged-trace-context-undecodable", reasons=frozenset({"undecodable-body"}))
    def _(world, token, _key=_key):
        # W3C trace headers as another client might forge them: each message is parked for its body alone.
        forged = [
            {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"},
            {"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
            {"traceparent": "00-19811218-9876-xx-01", "tracestate": "pnr=19811218-9876"},
            {"traceparent": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01\n00-forged"},
            {"traceparent": {"nested": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
            {"traceparent": RawField.long_string(b"00-\xff\xfe-\x00"), "tracestate": "k=" + "v" * 70_000},
            {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + "9" * 60_000},
        ]
        messages = []
        for index, headers in enumerate(forged):
            message = command(_key, f"{token}-{index}", UNDECODABLE)
            message.properties["headers"].update({"hostile-case": token, **headers})
            messages.append(message)
        return messages

    @case(f"{_service}-bundle-count-int64-max", reasons=BODY_OR_PROPERTIES | {"too-large"})
    def _(world, token, _key=_key):
        return command(_key, token, bundle([(token + "-a", b"{}"), (token + "-b", b"{}")]),
                       content_type=BUNDLE_CONTENT_TYPE,
                       headers={"hostile-case": token, BUNDLE_COUNT_HEADER: RawField.signed_64(INT64_MAX)})

    @case(f"{_service}-timestamp-uint64-max-undecodable", reasons=BODY_OR_PROPERTIES,
          checks=("timestamp-in-range",))
    def _(world, token, _key=_key):
        return command(_key, token, UNDECODABLE, timestamp=UINT64_MAX)

    @case(f"{_service}-cc-bcc-other-queues-undecodable", reasons=frozenset({"undecodable-body"}),
          checks=("no-routing-properties",))
    def _(world, token, _key=_key, _others=tuple(_others)):
        message = command(_key, token, UNDECODABLE)
        queues = list(_others) + [f"{other}.dead-letter" for other in _others]
        message.properties["headers"].update({"CC": queues, "BCC": list(_others)})
        return message

    @case(f"{_service}-expiration-1ms-undecodable", reasons=frozenset({"undecodable-body"}),
          checks=("no-routing-properties", "survives-in-dead-letter-queue"))
    def _(world, token, _key=_key):
        return command(_key, token, UNDECODABLE, expiration="1")

    @case(f"{_service}-empty-body", reasons=frozenset({"undecodable-body"}))
    def _(world, token, _key=_key):
        return command(_key, token, b"")

    @case(f"{_service}-json-nested-10000-deep", reasons=frozenset({"undecodable-body"}))
    def _(world, token, _key=_key):
        return command(_key, token, b"[" * 10_000 + b"]" * 10_000)

    @case(f"{_service}-unknown-type", reasons=frozenset({"unknown-message-type"}))
    def _(world, token, _key=_key, _service=_service):
        # Routed by a bound key, typed as a command no service knows.
        return Outgoing(routing_key=_key, body=b"{}",
                        properties=properties(token, f"{_service}.no-such-command.v1"))

    @case(f"{_service}-no-message-id", reasons=frozenset({"missing-message-id"}))
    def _(world, token, _key=_key):
        return command(_key, token, b"{}", message_id=None)

    @case(f"{_service}-no-type-to-queue", reasons=frozenset({"unknown-message-type"}))
    def _(world, token, _service=_service):
        # Straight to the service's queue through the default exchange: no type, and no wire name to fall back on.
        return Outgoing(routing_key=_service, exchange="", body=b"{}", properties=properties(token, None))


# --- properties and bundles -------------------------------------------------------------------------------------


@case("invoicing-huge-header-values-undecodable", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    return fill_frame(command("invoicing.create-invoice.v1", token, UNDECODABLE), value_bytes=30 * 1024)


@case("invoicing-body-over-maximum-size", reasons=frozenset({"too-large"}))
def _(world, token):
    filler = "x" * OVER_MAXIMUM_BYTES
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, ourReference=filler)))


@case("payment-matching-bgmax-over-maximum-size", reasons=frozenset({"too-large"}))
def _(world, token):
    content = bgmax_file(1, 100, world.today) + ("25" + "x" * 78 + "\r\n") * (OVER_MAXIMUM_BYTES // 80)
    return command("payment-matching.import-bankgiro-file.v1", token,
                   dumps({"fileName": "huge.bgmax", "content": content}))


@case("invoicing-field-2mb-where-a-number-belongs", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    return command("invoicing.create-invoice.v1", token,
                   dumps(invoice(world, token, lines=[line(unit_price="9" * (2 * 1024 * 1024))])))


@case("invoicing-field-2mb-description-invalid-vat", fields=("lines[0]",))
def _(world, token):
    huge = line(vat_rate=99)
    huge["description"] = "å" * (1024 * 1024)
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, lines=[huge])))


@case("invoicing-bundle-count-zero", reasons=BODY_OR_PROPERTIES)
def _(world, token):
    return command("invoicing.create-invoice.v1", token, b"", content_type=BUNDLE_CONTENT_TYPE,
                   headers={"hostile-case": token, BUNDLE_COUNT_HEADER: 0})


@case("payment-matching-bundle-count-negative", reasons=BODY_OR_PROPERTIES)
def _(world, token):
    return command("payment-matching.register-payment.v1", token, bundle([(token + "-a", b"{}")]),
                   content_type=BUNDLE_CONTENT_TYPE,
                   headers={"hostile-case": token, BUNDLE_COUNT_HEADER: RawField.signed_64(-1)})


@case("debt-collection-bundle-count-not-matching-body", reasons=BODY_OR_PROPERTIES)
def _(world, token):
    entries = [(f"{token}-{index}", b"{}") for index in range(3)]
    return command("debt-collection.send-to-collection.v1", token, bundle(entries),
                   content_type=BUNDLE_CONTENT_TYPE, headers={"hostile-case": token, BUNDLE_COUNT_HEADER: 2})


@case("tax-reduction-bundle-count-as-text", reasons=BODY_OR_PROPERTIES)
def _(world, token):
    entries = [(f"{token}-{index}", b"{}") for index in range(2)]
    return command("tax-reduction.generate-claim-file.v1", token, bundle(entries),
                   content_type=BUNDLE_CONTENT_TYPE, headers={"hostile-case": token, BUNDLE_COUNT_HEADER: "2"})


@case("invoicing-bundle-truncated", reasons=BODY_OR_PROPERTIES)
def _(world, token):
    body = bundle([(token + "-a", b"{}"), (token + "-b", b"{}")])
    return command("invoicing.create-invoice.v1", token, body[:-3], content_type=BUNDLE_CONTENT_TYPE,
                   headers={"hostile-case": token, BUNDLE_COUNT_HEADER: 2})


@case("invoicing-bundle-of-hostile-commands")
def _(world, token):
    # A readable bundle whose messages are each hostile: each is settled on its own, under its own message id.
    entries = [
        (f"{token}-undecodable", UNDECODABLE),
        (f"{token}-year-9999", dumps(invoice(world, f"{token}-year-9999", invoiceDate="9999-12-31"))),
    ]
    message = command("invoicing.create-invoice.v1", token, bundle(entries), content_type=BUNDLE_CONTENT_TYPE,
                      headers={"hostile-case": token, BUNDLE_COUNT_HEADER: 2})
    message.account_ids = [message_id for message_id, _ in entries]
    return message


@case("invoicing-timestamp-zero-valid", allowed=frozenset({PROCESSED, PARKED, REJECTED}))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token)), timestamp=0)


@case("invoicing-timestamp-uint64-max-valid", allowed=frozenset({PROCESSED, PARKED, REJECTED}),
      checks=("timestamp-in-range",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token)), timestamp=UINT64_MAX)


@case("invoicing-expiration-3s-undecodable", reasons=frozenset({"undecodable-body"}),
      checks=("no-routing-properties", "survives-in-dead-letter-queue"))
def _(world, token):
    # Long enough to reach the service, short enough that a copy which kept it would vanish during the run.
    return command("invoicing.create-invoice.v1", token, UNDECODABLE, expiration="3000")


@case("invoicing-reply-to-own-queue-undecodable", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, UNDECODABLE, reply_to="invoicing")


@case("payment-matching-reply-to-other-queue-undecodable", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    return command("payment-matching.register-payment.v1", token, UNDECODABLE, reply_to="tax-reduction")


@case("debt-collection-priority-255-undecodable", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    return command("debt-collection.send-to-collection.v1", token, UNDECODABLE, priority=255)


@case("invoicing-priority-255-valid", allowed=frozenset({PROCESSED, PARKED, REJECTED}))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token)), priority=255)


@case("invoicing-invalid-utf8-body", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    body = dumps(invoice(world, token)).replace(b"Konsulttimme", b"Konsult\xff\xfe\xc3(timme")
    return command("invoicing.create-invoice.v1", token, body)


@case("tax-reduction-invalid-utf8-message-id-and-type", reasons=frozenset({"missing-message-id",
                                                                          "unknown-message-type",
                                                                          "invalid-properties"}))
def _(world, token):
    return command("tax-reduction.generate-claim-file.v1", token, b"{}", message_id=token.encode() + b"-\xff\xfe",
                   type=b"tax-reduction.generate-claim-file.v1\xff")


@case("invoicing-message-id-255-bytes-valid", allowed=frozenset({PROCESSED}))
def _(world, token):
    long_id = (token + "-" + "i" * 255)[:255]
    message = command("invoicing.create-invoice.v1", token, dumps(invoice(world, long_id)), message_id=long_id)
    message.account_ids = [long_id]
    return message


@case("payment-matching-message-id-255-bytes-undecodable", reasons=frozenset({"undecodable-body"}))
def _(world, token):
    long_id = (token + "-" + "p" * 255)[:255]
    message = command("payment-matching.register-payment.v1", token, UNDECODABLE, message_id=long_id)
    message.account_ids = [long_id]
    return message


# --- message ids used twice -------------------------------------------------------------------------------------


@case("invoicing-message-id-reused-different-body", allowed=frozenset({PARKED}),
      reasons=frozenset({"message-id-reused"}), checks=("no-second-effect",),
      prelude=lambda world, token: command("invoicing.register-creditor.v1", token,
                                           dumps(creditor(token, "First Upstream AB"))))
def _(world, token):
    return command("invoicing.register-creditor.v1", token, dumps(creditor(token, "Second Upstream AB")))


@case("invoicing-message-id-reused-different-type", allowed=frozenset({PARKED}),
      reasons=frozenset({"message-id-reused"}), checks=("no-second-effect",),
      prelude=lambda world, token: command("invoicing.register-creditor.v1", token, dumps(creditor(token))))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token)))


@case("invoicing-exact-duplicate", allowed=frozenset({ACKNOWLEDGED}), checks=("no-second-effect",),
      prelude=lambda world, token: command("invoicing.register-creditor.v1", token,
                                           dumps(creditor(token, "Duplicate AB"))))
def _(world, token):
    # Byte for byte the prelude again: acknowledged without a second creditor-registered.
    return command("invoicing.register-creditor.v1", token, dumps(creditor(token, "Duplicate AB")))


# --- dates ------------------------------------------------------------------------------------------------------


@case("invoicing-invoice-date-year-9999", fields=("invoiceDate",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, invoiceDate="9999-12-31")))


@case("invoicing-invoice-date-year-0001", fields=("invoiceDate",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, invoiceDate="0001-01-01")))


@case("invoicing-invoice-date-2200-01-01", fields=("invoiceDate",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, invoiceDate="2200-01-01")))


@case("invoicing-invoice-date-1899-12-31", fields=("invoiceDate",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, invoiceDate="1899-12-31")))


@case("invoicing-dates-2199-12-31-boundary", allowed=frozenset({PROCESSED}))
def _(world, token):
    # The last day of the supported range: accepted.
    body = invoice(world, token, invoiceDate="2199-12-31", dueDate="2199-12-31")
    return command("invoicing.create-invoice.v1", token, dumps(body))


@case("invoicing-due-date-year-9999", fields=("dueDate",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, dueDate="9999-12-31")))


@case("invoicing-payment-terms-int64-max", fields=("paymentTermsDays",))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(invoice(world, token, paymentTermsDays=INT64_MAX)))


@case("payment-matching-payment-date-year-9999", fields=("paymentDate",))
def _(world, token):
    body = {"source": "card", "sourceID": token, "amount": money(10_000), "paymentDate": "9999-12-31",
            "creditorID": world.creditor_id}
    return command("payment-matching.register-payment.v1", token, dumps(body))


@case("debt-collection-postpone-to-year-9999", fields=("to",))
def _(world, token):
    body = {"invoiceID": world.invoice_id, "to": "9999-12-31"}
    return command("debt-collection.postpone-next-event.v1", token, dumps(body))


@case("debt-collection-installment-dates-year-0001-and-9999", fields=("dates",))
def _(world, token):
    body = {"invoiceID": world.invoice_id, "dates": ["0001-01-01", "9999-12-31"]}
    return command("debt-collection.create-installment-plan.v1", token, dumps(body))


@case("tax-reduction-claim-year-int64-max", fields=("year",))
def _(world, token):
    body = {"creditorID": world.creditor_id, "kind": "rot", "year": INT64_MAX, "name": "hostile"}
    return command("tax-reduction.generate-claim-file.v1", token, dumps(body))


@case("tax-reduction-claim-year-negative", fields=("year",))
def _(world, token):
    body = {"creditorID": world.creditor_id, "kind": "rot", "year": -1, "name": "hostile"}
    return command("tax-reduction.generate-claim-file.v1", token, dumps(body))


# --- amounts ----------------------------------------------------------------------------------------------------


@case("invoicing-unit-price-int64-max", fields=("lines[0]",))
def _(world, token):
    body = invoice(world, token, lines=[line(unit_price=INT64_MAX, quantity="1")])
    return command("invoicing.create-invoice.v1", token, dumps(body))


@case("invoicing-quantity-times-price-overflow", fields=("lines[0]",))
def _(world, token):
    body = invoice(world, token, lines=[line(unit_price=10**16, quantity="1000000")])
    return command("invoicing.create-invoice.v1", token, dumps(body))


@case("invoicing-unit-price-int64-min", fields=("lines[0]",))
def _(world, token):
    body = invoice(world, token, lines=[line(unit_price=INT64_MIN, quantity="-1")])
    return command("invoicing.create-invoice.v1", token, dumps(body))


@case("invoicing-line-sum-overflow", fields=("lines",))
def _(world, token):
    body = invoice(world, token, lines=[line(unit_price=2**62, quantity="1", vat_rate=0),
                                        line(unit_price=2**62, quantity="1", vat_rate=0)])
    return command("invoicing.create-invoice.v1", token, dumps(body))


@case("invoicing-rot-material-cost-int64-max", fields=("lines[0]", "taxReduction"))
def _(world, token):
    return command("invoicing.create-invoice.v1", token, dumps(rot_invoice(world, token, materialCost=INT64_MAX)))


@case("payment-matching-bgmax-ten-deposits-of-999999999999999999", fields=("content",))
def _(world, token):
    content = bgmax_file(10, 999_999_999_999_999_999, world.today)
    return command("payment-matching.import-bankgiro-file.v1", token,
                   dumps({"fileName": "hostile.bgmax", "content": content}))


@case("payment-matching-payment-amount-int64-min", fields=("amount",))
def _(world, token):
    body = {"source": "card", "sourceID": token, "amount": money(INT64_MIN), "paymentDate": world.today,
            "creditorID": world.creditor_id}
    return command("payment-matching.register-payment.v1", token, dumps(body))


@case("tax-reduction-decision-amount-int64-max", fields=("beslut",))
def _(world, token):
    body = {"version": "1", "beslut": [{"referensnummer": token, "arenden": [
        {"personnummer": world.rot_buyer, "fakturanummer": world.rot_invoice_number, "godkantBelopp": INT64_MAX}]}]}
    return command("tax-reduction.record-decision.v1", token, dumps(body))


# --- forged events ----------------------------------------------------------------------------------------------


def event(routing_key: str, token: str, body: dict) -> Outgoing:
    return command(routing_key, token, dumps(body), app_id="forger")


@case("forged-fees-charged-int64-max", allowed=frozenset({PARKED}))
def _(world, token):
    # The fees overflow on their own (two of Int64.max), and their total overflows the invoice's balance.
    body = {"invoiceID": world.invoice_id, "fees": [{"kind": "reminder", "amount": money(INT64_MAX)},
                                                    {"kind": "collection-letter", "amount": money(INT64_MAX)}],
            "interest": money(INT64_MAX), "total": money(INT64_MAX)}
    return event("debt-collection.fees-charged.v1", token, body)


@case("forged-payment-matched-int64-min", allowed=frozenset({PARKED}))
def _(world, token):
    body = {"paymentID": token, "invoiceID": world.invoice_id, "amount": money(INT64_MIN), "matchedBy": "ocr"}
    return event("payment-matching.payment-matched.v1", token, body)


@case("forged-invoice-paid-int64-max", allowed=frozenset({PARKED, PROCESSED, ACKNOWLEDGED}))
def _(world, token):
    body = {"invoiceID": world.rot_invoice_id, "paid": money(INT64_MAX), "paymentDate": world.today}
    return event("payment-matching.invoice-paid.v1", token, body)


@case("forged-invoice-issued-amount-int64-max", allowed=frozenset({PARKED, PROCESSED, ACKNOWLEDGED}))
def _(world, token):
    return event("invoicing.invoice-issued.v1", token, issued_event(world, token))


@case("forged-invoice-issued-due-year-0001", allowed=frozenset({PARKED, PROCESSED, ACKNOWLEDGED}))
def _(world, token):
    body = issued_event(world, token, invoiceDate="0001-01-01", dueDate="0001-01-01", total=money(100_000),
                        amountDue=money(100_000))
    return event("invoicing.invoice-issued.v1", token, body)


@case("forged-invoice-created-rot-labour-int64-max", allowed=frozenset({PARKED, PROCESSED}))
def _(world, token):
    # Tax-reduction splits the labour between the buyers and caps each: an amount no real invoice has.
    labour_line = line(unit_price=INT64_MAX, quantity="1", taxReduction={"kind": "rot", "workType": "Bygg",
                                                                         "hours": "20"})
    body = {
        "invoiceID": token, "creditorID": world.creditor_id, "externalID": token, "kind": "debit",
        "debtor": debtor(), "invoiceDate": world.today, "dueDate": world.today,
        "lines": [{"line": labour_line, "net": money(INT64_MAX), "vat": money(INT64_MAX)}],
        "totals": {"net": money(INT64_MAX), "vat": [{"rate": 25, "base": money(INT64_MAX), "amount": money(INT64_MAX)}],
                   "rounding": money(0), "total": money(INT64_MAX)},
        "taxReduction": {
            "kind": "rot", "labourCostIncludingVAT": money(INT64_MAX), "materialCost": money(INT64_MAX),
            "workTypes": [{"workType": "Bygg", "hours": "20", "materialCost": money(INT64_MAX)}],
            "request": {"buyers": [world.rot_buyer, "19800101-0019"], "hoursToReport": 20,
                        "propertyDesignation": "Stockholm Söder 1:23"},
        },
    }
    return event("invoicing.invoice-created.v1", token, body)


@case("forged-payment-matched-unknown-invoice-cc-on-retry", allowed=frozenset({PARKED}),
      reasons=frozenset({"retries-exhausted", "permanent-failure"}), checks=("no-routing-properties",))
def _(world, token):
    # Debt-collection retries it (the invoice may simply not be known yet) until the retries run out. Each retry is
    # published through kvitt.retry, where a CC naming another queue's binding would put a copy straight into another
    # service's queue.
    body = {"paymentID": token, "invoiceID": token, "amount": money(10_000), "matchedBy": "ocr"}
    message = event("payment-matching.payment-matched.v1", token, body)
    message.properties["headers"].update({"CC": ["tax-reduction", "payment-matching"], "BCC": ["tax-reduction"]})
    return message


@case("forged-payment-matched-int64-max", allowed=frozenset({PARKED, PROCESSED, ACKNOWLEDGED}), last=True)
def _(world, token):
    # Last, because a service may accept it (an overpayment) and then the invoice is paid.
    body = {"paymentID": token, "invoiceID": world.invoice_id, "amount": money(INT64_MAX), "matchedBy": "ocr"}
    return event("payment-matching.payment-matched.v1", token, body)


# --- metric cardinality -----------------------------------------------------------------------------------------

UNKNOWN_TYPE_COUNT = 500


@case("tax-reduction-500-unknown-types", reasons=frozenset({"unknown-message-type"}), checks=("metric-cardinality",))
def _(world, token):
    messages = []
    for index in range(UNKNOWN_TYPE_COUNT):
        message_id = f"{token}-{index}"
        messages.append(Outgoing(routing_key="tax-reduction.generate-claim-file.v1", body=b"{}",
                                 properties=properties(message_id, f"x.t{index}.v1", correlation_id=token)))
    return messages


CASES_BY_NAME = {registered.name: registered for registered in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"


def today() -> str:
    return datetime.date.today().isoformat()
