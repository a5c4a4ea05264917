"""Hostile money commands through the real broker to the real services: `invoicing.set-creditor-prices.v1`,
`invoicing.change-debtor-contact.v1`, a credit by amount (`invoicing.create-credit-invoice.v1`) and BgMax files
through `payment-matching.import-bankgiro-file.v1`.

Each hostile message must end as a command-rejected event naming the field, or as a dead letter with a known reason
(naming the field when the body could not be decoded); after each one the service must still run and handle a valid
command within a second. Each BgMax edge file must be booked as the bank meant it, or refused with the reason and
nothing booked."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from amqp_tools import (
    DEAD_LETTER_EXCHANGE,
    FAILURE_DETAIL_HEADER,
    FAILURE_REASON_HEADER,
    Outgoing,
    queue_messages,
    text,
)
from barrage import Setup, is_rejection, new_token
from conftest import service_context
from hostile_cases import INT64_MAX, command, creditor, dumps, invoice, money, pad, properties, zeros
from service_processes import SERVICES

#: How long a hostile message may take to be rejected or parked (a 10 MB body included).
OUTCOME_SECONDS = 20.0
#: A valid command after a hostile one must be handled this fast.
LIVE_SECONDS = 1.0

TEN_MB = 10 * 1024 * 1024

SET_PRICES = "invoicing.set-creditor-prices.v1"
CHANGE_CONTACT = "invoicing.change-debtor-contact.v1"
CREATE_CREDIT = "invoicing.create-credit-invoice.v1"
IMPORT_BANK_FILE = "payment-matching.import-bankgiro-file.v1"


@dataclass
class Outcome:
    """How one message ended in one service."""

    kind: str  # "rejected", "parked" or "processed"
    fields: list[str] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    events: list = field(default_factory=list)

    def __str__(self) -> str:
        if self.kind == "rejected":
            return f"rejected naming {self.fields}"
        if self.kind == "parked":
            return f"parked as {self.reason}: {self.detail[:200]!r}"
        return f"processed: {[event.type for event in self.events]}"


def outcome_of(observer, service: str, token: str, since: float, timeout: float = OUTCOME_SECONDS) -> Outcome | None:
    """The first trace of message `token` in `service`: its rejection, its parked copy, or the events it caused."""
    deadline = time.monotonic() + timeout
    while True:
        observed, events = observer.snapshot()
        for copy in observed:
            if (copy.at >= since and copy.exchange == DEAD_LETTER_EXCHANGE and copy.routing_key == service
                    and text(copy.message_id) == token):
                return Outcome("parked", reason=text(copy.headers.get(FAILURE_REASON_HEADER)),
                               detail=text(copy.headers.get(FAILURE_DETAIL_HEADER)) or "")
        caused = [event for event in events if event.at >= since and event.service == service and (
            event.causation_id == token
            or (is_rejection(event) and ((event.body or {}).get("rejection") or {}).get("commandID") == token))]
        for event in caused:
            if is_rejection(event):
                errors = event.body["rejection"]["errors"]
                return Outcome("rejected", fields=[str(error.get("field")) for error in errors])
        if caused:
            return Outcome("processed", events=caused)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def raw(routing_key: str, token: str, body: bytes, **extra) -> Outgoing:
    return Outgoing(routing_key=routing_key, body=body, properties=properties(token, routing_key, **extra))


def names(field_name: str, fields: list[str]) -> bool:
    return any(name == field_name or name.startswith((field_name + ".", field_name + "[")) for name in fields)


def nested(depth: int, inner="x") -> bytes:
    return b"[" * depth + json.dumps(inner).encode() + b"]" * depth


@pytest.fixture(scope="module", autouse=True)
def settled_afterwards(services):
    """The events these tests caused (payments reaching invoicing and tax-reduction, say) are consumed before the
    next module looks at the services' queues."""
    yield
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline:
        waiting = queue_messages()
        if all(waiting.get(service, 0) == 0 for service in SERVICES):
            return
        time.sleep(0.2)


# --- the world of this module -----------------------------------------------------------------------------------


@dataclass
class MoneyWorld:
    """A creditor of its own (its prices change here) and an issued invoice of the suite's world."""

    creditor_id: str
    invoice_id: str


@pytest.fixture(scope="module")
def money_world(setup: Setup, world) -> MoneyWorld:
    creditor_id = new_token("money-creditor")
    setup.send(command("invoicing.register-creditor.v1", new_token("register"), dumps(creditor(creditor_id))),
               "invoicing.creditor-registered.v1")
    return MoneyWorld(creditor_id=creditor_id, invoice_id=world.invoice_id)


def valid_prices(creditor_id: str, amount: int = 4_900) -> dict:
    return {"creditorID": creditor_id, "prices": [{"service": "reminder", "price": money(amount)}]}


def assert_live(service_name: str, setup: Setup, observer, services, valid: Outgoing, expect_type: str) -> None:
    """The service still runs and handles a valid command within LIVE_SECONDS."""
    service = services[service_name]
    assert service.running(), f"{service_name} {service.exit_description()}\n" + service_context(
        services, [service_name])
    token = valid.properties["message_id"]
    started = time.monotonic()
    setup.publisher.publish(valid)
    event = observer.wait_for_event(lambda seen: seen.causation_id == token and seen.type == expect_type, 5.0, started)
    assert event is not None, f"{service_name} did not handle a valid command after the hostile one\n" + (
        service_context(services, [service_name]))
    latency = event.at - started
    assert latency <= LIVE_SECONDS, f"{service_name} took {latency:.2f} s for a valid command afterwards"


def invoicing_live(money_world: MoneyWorld) -> tuple[Outgoing, str]:
    token = new_token("live-prices")
    return command(SET_PRICES, token, dumps(valid_prices(money_world.creditor_id))), "invoicing.creditor-prices-set.v1"


# --- the hostile commands ---------------------------------------------------------------------------------------

#: (case name, routing key, body builder, expected outcomes): `("rejected", field)` or `("parked", reason, field)`;
#: a parked undecodable body must name the field in its detail, when one is given.
CommandCase = tuple[str, str, object, tuple]


def prices_cases() -> list[CommandCase]:
    def body(price, service="reminder"):
        return lambda w, token: dumps({"creditorID": w.creditor_id, "prices": [{"service": service, "price": price}]})

    return [
        ("prices-wrong-type-prices", SET_PRICES,
         lambda w, token: dumps({"creditorID": w.creditor_id, "prices": "free"}),
         ("parked", "undecodable-body", "prices")),
        ("prices-amount-as-text", SET_PRICES, body({"amount": "4900", "currency": "SEK"}),
         ("parked", "undecodable-body", "prices[0].price.amount")),
        ("prices-amount-int64-max", SET_PRICES, body(money(INT64_MAX)), ("rejected", "prices[0].price.amount")),
        ("prices-amount-1e300", SET_PRICES,
         lambda w, token: b'{"creditorID":"' + w.creditor_id.encode()
         + b'","prices":[{"service":"reminder","price":{"amount":1e300,"currency":"SEK"}}]}',
         # Foundation's JSON parser refuses the number itself, before any field is read: no path to name.
         ("parked", "undecodable-body", None)),
        ("prices-amount-beyond-int64", SET_PRICES, body(money(2**64)), ("parked", "undecodable-body", None)),
        ("prices-amount-negative", SET_PRICES, body(money(-1)), ("rejected", "prices[0].price.amount")),
        ("prices-nested-10000-deep", SET_PRICES,
         lambda w, token: b'{"creditorID":"' + w.creditor_id.encode() + b'","prices":' + nested(10_000) + b"}",
         ("parked", "undecodable-body", None)),
        ("prices-invalid-utf8-service", SET_PRICES,
         lambda w, token: b'{"creditorID":"' + w.creditor_id.encode()
         + b'","prices":[{"service":"remi\xff\xfeder","price":{"amount":100,"currency":"SEK"}}]}',
         ("parked", "undecodable-body", None)),
        ("prices-service-10mb", SET_PRICES, body(money(100), service="r" * TEN_MB),
         ("rejected", "prices[0].service")),
        ("prices-missing-creditor", SET_PRICES,
         lambda w, token: dumps({"prices": [{"service": "reminder", "price": money(100)}]}),
         ("parked", "undecodable-body", "creditorID")),
        ("prices-missing-prices", SET_PRICES, lambda w, token: dumps({"creditorID": w.creditor_id}),
         ("parked", "undecodable-body", "prices")),
        ("prices-unknown-creditor", SET_PRICES, lambda w, token: dumps(valid_prices("no-such-" + token)),
         ("rejected", "creditorID")),
    ]


def contact_cases() -> list[CommandCase]:
    def contact(**fields):
        return lambda w, token: dumps({"invoiceID": w.invoice_id, **fields})

    def address(street="Nygatan 2", postal_code="111 43", city="Stockholm"):
        return {"street": street, "postalCode": postal_code, "city": city}

    return [
        ("contact-address-wrong-type", CHANGE_CONTACT, contact(address=5), ("parked", "undecodable-body", "address")),
        ("contact-invoice-id-int64-max", CHANGE_CONTACT,
         lambda w, token: dumps({"invoiceID": INT64_MAX}), ("parked", "undecodable-body", "invoiceID")),
        ("contact-street-10mb", CHANGE_CONTACT, contact(address=address(street="s" * TEN_MB)),
         ("rejected", "address.street")),
        ("contact-email-10mb", CHANGE_CONTACT, contact(email="e" * TEN_MB + "@example.se"), ("rejected", "email")),
        ("contact-postal-code-letters", CHANGE_CONTACT, contact(address=address(postal_code="ABCDE")),
         ("rejected", "address.postalCode")),
        ("contact-city-control-characters", CHANGE_CONTACT, contact(address=address(city="Stock\nholm")),
         ("rejected", "address.city")),
        ("contact-invalid-utf8-city", CHANGE_CONTACT,
         lambda w, token: b'{"invoiceID":"' + w.invoice_id.encode()
         + b'","address":{"street":"Nygatan 2","postalCode":"111 43","city":"G\xf6teborg"}}',
         ("parked", "undecodable-body", None)),
        ("contact-nested-10000-deep", CHANGE_CONTACT,
         lambda w, token: b'{"invoiceID":"' + w.invoice_id.encode() + b'","address":' + nested(10_000) + b"}",
         ("parked", "undecodable-body", None)),
        ("contact-unknown-channel", CHANGE_CONTACT, contact(preferredChannel="pigeon"),
         ("parked", "undecodable-body", "preferredChannel")),
        ("contact-missing-invoice-id", CHANGE_CONTACT, lambda w, token: dumps({"address": address()}),
         ("parked", "undecodable-body", "invoiceID")),
        ("contact-unknown-invoice", CHANGE_CONTACT, lambda w, token: dumps({"invoiceID": "no-such-" + token}),
         ("rejected", "invoiceID")),
    ]


def credit_cases() -> list[CommandCase]:
    def credit(**fields):
        return lambda w, token: dumps({"originalInvoiceID": w.invoice_id, "externalID": token, **fields})

    return [
        ("credit-amount-int64-max", CREATE_CREDIT, credit(amount=money(INT64_MAX)), ("rejected", "amount")),
        ("credit-amount-negative", CREATE_CREDIT, credit(amount=money(-100)), ("rejected", "amount")),
        ("credit-amount-int64-min", CREATE_CREDIT, credit(amount=money(-(2**63))), ("rejected", "amount")),
        ("credit-amount-1e300", CREATE_CREDIT,
         lambda w, token: b'{"originalInvoiceID":"' + w.invoice_id.encode() + b'","externalID":"' + token.encode()
         + b'","amount":{"amount":1e300,"currency":"SEK"}}',
         ("parked", "undecodable-body", None)),
        ("credit-amount-as-text", CREATE_CREDIT, credit(amount={"amount": "100", "currency": "SEK"}),
         ("parked", "undecodable-body", "amount.amount")),
        ("credit-amount-and-lines", CREATE_CREDIT, credit(amount=money(100), lines=[{"lineIndex": 0}]),
         ("rejected", "amount")),
        ("credit-line-index-int64-max", CREATE_CREDIT, credit(lines=[{"lineIndex": INT64_MAX}]),
         ("rejected", "lines[0].lineIndex")),
        ("credit-external-id-10mb", CREATE_CREDIT,
         lambda w, token: dumps({"originalInvoiceID": w.invoice_id, "externalID": "x" * TEN_MB,
                                 "amount": money(100)}),
         ("rejected", "externalID")),
        ("credit-lines-nested-10000-deep", CREATE_CREDIT,
         lambda w, token: b'{"originalInvoiceID":"' + w.invoice_id.encode() + b'","externalID":"' + token.encode()
         + b'","lines":' + nested(10_000) + b"}",
         ("parked", "undecodable-body", None)),
        ("credit-invalid-utf8-external-id", CREATE_CREDIT,
         lambda w, token: b'{"originalInvoiceID":"' + w.invoice_id.encode()
         + b'","externalID":"k\xc3\x28","amount":{"amount":100,"currency":"SEK"}}',
         ("parked", "undecodable-body", None)),
        ("credit-missing-external-id", CREATE_CREDIT,
         lambda w, token: dumps({"originalInvoiceID": w.invoice_id, "amount": money(100)}),
         ("parked", "undecodable-body", "externalID")),
        ("credit-unknown-original", CREATE_CREDIT,
         lambda w, token: dumps({"originalInvoiceID": "no-such-" + token, "externalID": token, "amount": money(100)}),
         ("rejected", "originalInvoiceID")),
    ]


COMMAND_CASES = prices_cases() + contact_cases() + credit_cases()


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[case[0] for case in COMMAND_CASES])
def test_money_command_is_rejected_or_parked_and_the_service_lives_on(case, money_world, setup, observer, services):
    name, routing_key, build, expected = case
    token = new_token(name[:40])
    since = time.monotonic()
    setup.publisher.publish(raw(routing_key, token, build(money_world, token)))
    outcome = outcome_of(observer, "invoicing", token, since)
    context = "\n" + service_context(services, ["invoicing"], token)
    assert outcome is not None, f"{name}: no rejection, dead letter or event within {OUTCOME_SECONDS} s" + context
    if expected[0] == "rejected":
        assert outcome.kind == "rejected" and names(expected[1], outcome.fields), (
            f"{name}: {outcome}; expected a rejection naming {expected[1]}" + context)
    else:
        _, reason, field_name = expected
        assert outcome.kind == "parked" and outcome.reason == reason, f"{name}: {outcome}; expected parked as {reason}"
        if field_name is not None:
            assert field_name in outcome.detail, f"{name}: the dead letter's detail does not name {field_name}: " + (
                f"{outcome.detail[:300]!r}")
    assert_live("invoicing", setup, observer, services, *invoicing_live(money_world))


def test_a_duplicated_message_id_has_one_effect_and_a_reused_one_is_parked(money_world, setup, observer, services):
    token = new_token("money-duplicate")
    first = command(SET_PRICES, token, dumps(valid_prices(money_world.creditor_id, 5_100)))
    since = time.monotonic()
    setup.publisher.publish(first)
    outcome = outcome_of(observer, "invoicing", token, since)
    assert outcome is not None and outcome.kind == "processed", f"the first use: {outcome}"
    # The exact duplicate: acknowledged without a second event.
    again = time.monotonic()
    setup.publisher.publish(command(SET_PRICES, token, dumps(valid_prices(money_world.creditor_id, 5_100))))
    assert_live("invoicing", setup, observer, services, *invoicing_live(money_world))
    _, events = observer.snapshot()
    repeated = [event for event in events if event.at >= again and event.causation_id == token]
    assert not repeated, f"the duplicate had an effect: {[event.type for event in repeated]}"
    # The same id with another body: parked as reused, never applied.
    reused_at = time.monotonic()
    setup.publisher.publish(command(SET_PRICES, token, dumps(valid_prices(money_world.creditor_id, 999))))
    reused = outcome_of(observer, "invoicing", token, reused_at)
    assert reused is not None and reused.kind == "parked" and reused.reason == "message-id-reused", f"{reused}"
    assert_live("invoicing", setup, observer, services, *invoicing_live(money_world))
    prices = services["invoicing"].get(f"/v1/creditors/{money_world.creditor_id}/prices").json()
    assert 999 not in amounts(prices), f"the reused id's body was applied: {prices}"


def amounts(value) -> list[int]:
    """Every `amount` in a JSON value."""
    if isinstance(value, dict):
        found = [value["amount"]] if isinstance(value.get("amount"), int) else []
        return found + [amount for item in value.values() for amount in amounts(item)]
    if isinstance(value, list):
        return [amount for item in value for amount in amounts(item)]
    return []


# --- BgMax edge files -------------------------------------------------------------------------------------------


_file_serial = [0]


def bgmax_records(payments: list[tuple[str, int, list[str]]], date: str) -> list[str]:
    """A BgMax file's records: one deposit to 5050-1055 of `payments` (reference, öre, the records that follow the
    payment: names, addresses), with a start record whose timestamp is new for every file."""
    _file_serial[0] += 1
    stamp = date + time.strftime("%H%M%S") + zeros(str(_file_serial[0] % 1_000_000), 6)
    lines = [pad("01" + "BGMAX".ljust(20) + "01" + stamp + "P")]
    lines.append(pad("05" + zeros("50501055", 10) + " " * 10 + "SEK"))
    total = 0
    for position, (reference, amount, extra) in enumerate(payments, start=1):
        lines.append(pad("20" + zeros("0", 10) + reference.rjust(25) + zeros(str(amount), 18) + "2" + "1"
                         + zeros(str(position), 12) + "0"))
        lines.extend(pad(record) for record in extra)
        total += amount
    deposit_serial = zeros(str(_file_serial[0] % 100_000), 5)
    lines.append(pad("15" + zeros("", 35) + date + deposit_serial + zeros(str(total), 18) + "SEK"
                     + zeros(str(len(payments)), 8)))
    lines.append(pad("70" + zeros(str(len(payments)), 8) + zeros("0", 8) + zeros("0", 8) + zeros("1", 8)))
    return lines


@dataclass
class Issued:
    invoice_id: str
    ocr: str
    amount_due: int


def issue_invoice(setup: Setup, services, world) -> Issued:
    """A new invoice of the suite's creditor, issued and known to payment-matching."""
    created = setup.send(command("invoicing.create-invoice.v1", new_token("bg-invoice"),
                                 dumps(invoice(world, new_token("bg-ext")))), "invoicing.invoice-created.v1")
    invoice_id = created.body["invoiceID"]
    issued = setup.send(command("invoicing.attest-invoice.v1", new_token("bg-attest"),
                                dumps({"invoiceID": invoice_id})), "invoicing.invoice-issued.v1")
    payment_matching = services["payment-matching"]
    setup.poll(lambda: payment_matching.get(f"/v1/receivables/{invoice_id}").status == 200,
               f"payment-matching has the receivable {invoice_id}")
    return Issued(invoice_id, issued.body["ocr"], issued.body["amountDue"]["amount"])


def import_file(setup: Setup, observer, services, content: str, name: str) -> Outcome:
    token = new_token(name[:40])
    since = time.monotonic()
    setup.publisher.publish(command(IMPORT_BANK_FILE, token, dumps({"fileName": f"{name}.txt", "content": content})))
    outcome = outcome_of(observer, "payment-matching", token, since)
    assert outcome is not None, f"{name}: no trace within {OUTCOME_SECONDS} s\n" + service_context(
        services, ["payment-matching"], token)
    # Events of one file may leave in more than one message: wait until the import's summary is among them.
    if outcome.kind == "processed":
        setup.poll(lambda: any(event.type == "payment-matching.bankgiro-file-imported.v1"
                               for event in outcome_of(observer, "payment-matching", token, since).events),
                   f"{name}: bankgiro-file-imported")
        outcome = outcome_of(observer, "payment-matching", token, since)
    return outcome


def receivable(services, invoice_id: str) -> dict:
    return services["payment-matching"].get(f"/v1/receivables/{invoice_id}").json()


def payment_matching_live(setup: Setup, observer, services, world) -> None:
    body = {"source": "card", "sourceID": new_token("card"), "amount": money(12_500), "paymentDate": world.today,
            "creditorID": world.creditor_id}
    valid = command("payment-matching.register-payment.v1", new_token("live-payment"), dumps(body))
    assert_live("payment-matching", setup, observer, services, valid, "payment-matching.payment-registered.v1")


def latin1_text(data: bytes) -> str:
    """The command's `content`: the file's bytes as ISO-8859-1 characters, one per byte."""
    return data.decode("latin-1")


@pytest.mark.parametrize("line_end", ["\r\n", "\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("byte_order_mark", ["none", "bytes", "character"])
def test_bgmax_line_ends_and_byte_order_mark_book_the_payment(line_end, byte_order_mark, setup, observer, services,
                                                              world):
    """A UTF-8 byte-order mark as the file's bytes (each a character of `content`, as the contract says) or as the
    one character U+FEFF (a client that decoded the file as UTF-8) is read past; CRLF and LF read alike."""
    issued = issue_invoice(setup, services, world)
    records = bgmax_records([(issued.ocr, issued.amount_due, [])], world.today.replace("-", ""))
    content = latin1_text((line_end.join(records) + line_end).encode("latin-1"))
    content = {"none": "", "bytes": latin1_text(b"\xef\xbb\xbf"), "character": "\ufeff"}[byte_order_mark] + content
    outcome = import_file(setup, observer, services, content, f"bom-{byte_order_mark}")
    assert outcome.kind == "processed", f"{outcome}"
    summary = next(event for event in outcome.events if event.type == "payment-matching.bankgiro-file-imported.v1")
    assert summary.body["payments"] == 1 and summary.body["total"]["amount"] == issued.amount_due, summary.body
    assert receivable(services, issued.invoice_id)["balance"]["amount"] == 0
    payment_matching_live(setup, observer, services, world)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_bgmax_payer_names_with_swedish_letters_in_either_encoding(encoding, setup, observer, services, world):
    issued = issue_invoice(setup, services, world)
    name = "Kalles Plåt & Rör AB"
    city = "Växjö"
    extra = ["26" + name.ljust(35), "28" + city.ljust(35) + "Sverige".ljust(35)]
    records = bgmax_records([(issued.ocr, issued.amount_due, extra)], world.today.replace("-", ""))
    data = ("\r\n".join(records) + "\r\n").encode(encoding)
    outcome = import_file(setup, observer, services, latin1_text(data), f"names-{encoding}")
    assert outcome.kind == "processed", f"{outcome}"
    summary = next(event for event in outcome.events if event.type == "payment-matching.bankgiro-file-imported.v1")
    assert summary.body["encoding"] == encoding.upper().replace("LATIN-1", "ISO-8859-1"), summary.body
    assert receivable(services, issued.invoice_id)["balance"]["amount"] == 0, "no field shifted: the OCR matched"
    report = services["payment-matching"].get(f"/v1/reports/payments?from={world.today}&to={world.today}")
    assert report.status == 200
    assert name in report.body.decode("utf-8"), "the payer's name as the bank wrote it"
    payment_matching_live(setup, observer, services, world)


@pytest.mark.parametrize("cut", [12, 2, 60], ids=["end-record-in-its-counts", "end-record-type-only",
                                                  "deposit-record-before-its-currency"])
def test_bgmax_truncated_last_line_is_refused_and_books_nothing(cut, setup, observer, services, world):
    issued = issue_invoice(setup, services, world)
    records = bgmax_records([(issued.ocr, issued.amount_due, [])], world.today.replace("-", ""))
    if cut == 60:
        # The file ends inside the deposit record: no end record follows.
        records = records[:3] + [records[3][:cut]]
    else:
        records[-1] = records[-1][:cut]
    outcome = import_file(setup, observer, services, "\r\n".join(records), f"truncated-{cut}")
    assert outcome.kind == "rejected" and names("content", outcome.fields), f"{outcome}"
    assert receivable(services, issued.invoice_id)["balance"]["amount"] == issued.amount_due, "nothing was booked"
    payment_matching_live(setup, observer, services, world)


def test_bgmax_zero_amount_payment_is_parked_unmatched_with_the_reason(setup, observer, services, world):
    issued = issue_invoice(setup, services, world)
    records = bgmax_records([(issued.ocr, 0, [])], world.today.replace("-", ""))
    outcome = import_file(setup, observer, services, "\r\n".join(records) + "\r\n", "zero")
    assert outcome.kind == "processed", f"{outcome}"
    types = {event.type for event in outcome.events}
    assert "payment-matching.invoice-paid.v1" not in types and "payment-matching.payment-matched.v1" not in types, types
    unmatched = [event for event in outcome.events if event.type == "payment-matching.payment-unmatched.v1"]
    assert unmatched and "nothing to allocate" in unmatched[0].body["reason"], [event.body for event in unmatched]
    assert receivable(services, issued.invoice_id)["balance"]["amount"] == issued.amount_due, "0 öre changed nothing"
    payment_matching_live(setup, observer, services, world)


def test_bgmax_amount_of_all_nines_pays_the_invoice_and_records_the_rest(setup, observer, services, world):
    issued = issue_invoice(setup, services, world)
    nines = 999_999_999_999_999_999
    records = bgmax_records([(issued.ocr, nines, [])], world.today.replace("-", ""))
    outcome = import_file(setup, observer, services, "\r\n".join(records) + "\r\n", "nines")
    # 18 nines is what the field holds, and within the bound amounts are kept to: booked, the rest an overpayment.
    assert outcome.kind == "processed", f"{outcome}"
    over = [event for event in outcome.events if event.type == "payment-matching.overpayment-recorded.v1"]
    assert receivable(services, issued.invoice_id)["balance"]["amount"] == 0
    assert over and over[0].body["amount"]["amount"] == nines - issued.amount_due, [event.body for event in over]
    payment_matching_live(setup, observer, services, world)
