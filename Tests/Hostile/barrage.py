"""Sets up a world through the real services, publishes the hostile cases, waits until they have settled, and
accounts for every message: parked (read back from the dead-letter queues), rejected, processed or acknowledged."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from amqp_tools import (
    CAUSATION_HEADER,
    EXCHANGE,
    FAILURE_REASON_HEADER,
    Event,
    Observed,
    Observer,
    Outgoing,
    Publisher,
    queue_bindings,
    queue_messages,
    text,
)
from hostile_cases import (
    ACKNOWLEDGED,
    PARKED,
    PROCESSED,
    REJECTED,
    Case,
    World,
    command,
    creditor,
    dumps,
    invoice,
    rot_invoice,
    today,
)
from service_processes import SERVICES, ServiceProcess

#: How long a parked copy must stay in its dead-letter queue after the message with the shortest `expiration` was
#: published: far beyond any expiration a hostile message carries.
SURVIVAL_SECONDS = 4.0
#: The barrage stops waiting when nothing new happened for this long (a wedged or crashed service).
QUIET_SECONDS = 10.0
#: And in any case after this long.
SETTLE_TIMEOUT_SECONDS = 60.0


def new_token(label: str) -> str:
    return f"h-{label}-{uuid.uuid4().hex[:8]}"


def is_rejection(event: Event) -> bool:
    return event.type.endswith(".command-rejected.v1")


class Setup:
    """Publishes valid commands and waits for their events, for the world and for the checks afterwards."""

    def __init__(self, publisher: Publisher, observer: Observer, services: dict[str, ServiceProcess]):
        self.publisher = publisher
        self.observer = observer
        self.services = services

    def send(self, message: Outgoing, expect_type: str, timeout: float = 15.0) -> Event:
        """Publishes and returns the event of `expect_type` it caused; a rejection instead is an error."""
        since = time.monotonic()
        self.publisher.publish(message)
        token = message.properties["message_id"]
        found = self.observer.wait_for_event(
            lambda event: event.causation_id == token and (event.type == expect_type or is_rejection(event)),
            timeout,
            since,
        )
        if found is None:
            raise AssertionError(f"no {expect_type} for {message.routing_key} {token} within {timeout} s")
        if is_rejection(found):
            raise AssertionError(f"{message.routing_key} {token} was rejected: {found.body}")
        return found

    def wait_for(self, matches, description: str, timeout: float = 15.0) -> Event:
        found = self.observer.wait_for_event(matches, timeout)
        if found is None:
            raise AssertionError(f"no {description} within {timeout} s")
        return found

    def poll(self, check, description: str, timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"{description}: not within {timeout} s")

    def build_world(self) -> World:
        day = today()
        creditor_id = new_token("creditor")
        self.send(
            command("invoicing.register-creditor.v1", new_token("register"), dumps(creditor(creditor_id))),
            "invoicing.creditor-registered.v1",
        )
        world = World(today=day, creditor_id=creditor_id, bankgiro="50501055", invoice_id="", invoice_number="",
                      amount_due=0, rot_invoice_id="", rot_invoice_number="", rot_buyer="19811218-9876")
        created = self.send(
            command("invoicing.create-invoice.v1", new_token("invoice"), dumps(invoice(world, new_token("ext")))),
            "invoicing.invoice-created.v1",
        )
        world.invoice_id = created.body["invoiceID"]
        rot = self.send(
            command("invoicing.create-invoice.v1", new_token("rot"), dumps(rot_invoice(world, new_token("ext")))),
            "invoicing.invoice-created.v1",
        )
        world.rot_invoice_id = rot.body["invoiceID"]
        invoicing = self.services["invoicing"]
        self.poll(
            lambda: (invoicing.get(f"/v1/invoices/{world.rot_invoice_id}").json().get("taxReduction") or {}).get(
                "state"
            )
            == "allocated",
            "tax-reduction's allocation of the ROT invoice reached invoicing",
        )
        for invoice_id in (world.invoice_id, world.rot_invoice_id):
            issued = self.send(
                command("invoicing.attest-invoice.v1", new_token("attest"), dumps({"invoiceID": invoice_id})),
                "invoicing.invoice-issued.v1",
            )
            if invoice_id == world.invoice_id:
                world.invoice_number = issued.body["invoiceNumber"]
                world.amount_due = issued.body["amountDue"]["amount"]
            else:
                world.rot_invoice_number = issued.body["invoiceNumber"]
        # Every consumer of invoice-issued has the invoices before the barrage refers to them.
        payment_matching = self.services["payment-matching"]
        debt_collection = self.services["debt-collection"]
        for invoice_id in (world.invoice_id, world.rot_invoice_id):
            self.poll(lambda: payment_matching.get(f"/v1/receivables/{invoice_id}").status == 200,
                      f"payment-matching has the receivable {invoice_id}")
            self.poll(lambda: debt_collection.get(f"/v1/cases/{invoice_id}").status == 200,
                      f"debt-collection has the case {invoice_id}")
        return world


@dataclass
class Unit:
    """One message id of one case, as it should be accounted for in each service that received it."""

    case: Case
    token: str
    message_id: Any
    targets: frozenset[str]
    published_at: float
    publish_error: str | None = None

    @property
    def key(self) -> str:
        return text(self.message_id) if isinstance(self.message_id, str) else f"correlation:{self.token}"

    def matches_copy(self, copy: Observed) -> bool:
        if isinstance(self.message_id, str):
            return text(copy.message_id) == self.message_id
        return text(copy.properties.correlation_id) == self.token

    def matches_event(self, event: Event, kind: str) -> bool:
        # A prelude's events (the first use of a reused id) came before this message was published.
        if not isinstance(self.message_id, str) or event.at < self.published_at:
            return False
        if kind == REJECTED:
            rejection = (event.body or {}).get("rejection") or {}
            return is_rejection(event) and rejection.get("commandID") == self.message_id
        return not is_rejection(event) and event.causation_id == self.message_id


@dataclass
class Account:
    """How one unit ended in one service."""

    outcome: str | None
    copies: list[Observed] = field(default_factory=list)
    rejections: list[Event] = field(default_factory=list)
    effects: list[Event] = field(default_factory=list)


@dataclass
class Results:
    world: World
    units: list[Unit]
    #: Per service, what its dead-letter queue held once the barrage had settled.
    parked: dict[str, list[Observed]]
    events: list[Event]
    observed: list[Observed]
    prelude_tokens: dict[str, str]
    settled_in_seconds: float
    unsettled: list[str]
    publish_errors: dict[str, str]
    #: The services that were still running with nothing left in their queue (ready or unacknowledged) at the end:
    #: only there does "nothing observed" mean a message was consumed.
    consumed_everything: frozenset[str]

    def units_of(self, case_name: str) -> list[Unit]:
        return [unit for unit in self.units if unit.case.name == case_name]

    def account(self, unit: Unit, service: str) -> Account:
        copies = [copy for copy in self.parked.get(service, []) if unit.matches_copy(copy)]
        rejections = [event for event in self.events if event.service == service
                      and unit.matches_event(event, REJECTED)]
        effects = [event for event in self.events if event.service == service
                   and unit.matches_event(event, PROCESSED)]
        if copies:
            outcome = PARKED
        elif rejections:
            outcome = REJECTED
        elif effects:
            outcome = PROCESSED
        elif ACKNOWLEDGED in unit.case.allowed and service in self.consumed_everything:
            outcome = ACKNOWLEDGED
        else:
            outcome = None
        return Account(outcome, copies, rejections, effects)

    def strays(self, unit: Unit) -> list[str]:
        """Where a unit turned up outside the services it was sent to."""
        found = []
        for service, copies in self.parked.items():
            if service not in unit.targets and any(unit.matches_copy(copy) for copy in copies):
                found.append(f"a copy in {service}.dead-letter")
        for event in self.events:
            if event.service not in unit.targets and (
                unit.matches_event(event, REJECTED) or unit.matches_event(event, PROCESSED)
            ):
                found.append(f"{event.type} from {event.service}")
        return found


class Barrage:
    def __init__(self, publisher: Publisher, observer: Observer, services: dict[str, ServiceProcess]):
        self.publisher = publisher
        self.observer = observer
        self.services = services
        self.setup = Setup(publisher, observer, services)

    def run(self, cases: list[Case], world: World) -> Results:
        bindings = queue_bindings()
        prelude_tokens = {}
        for chosen in cases:
            if chosen.prelude is None:
                continue
            token = new_token(chosen.name[:40])
            prelude_tokens[chosen.name] = token
            # Every prelude registers a creditor (the first use of the id).
            self.setup.send(chosen.prelude(world, token), "invoicing.creditor-registered.v1")
        units: list[Unit] = []
        publish_errors: dict[str, str] = {}
        ordered = [chosen for chosen in cases if not chosen.last] + [chosen for chosen in cases if chosen.last]
        started = time.monotonic()
        for chosen in ordered:
            token = prelude_tokens.get(chosen.name) or new_token(chosen.name[:60])
            for message in chosen.build(world, token):
                published_at = time.monotonic()
                error = None
                try:
                    self.publisher.publish(message)
                except Exception as failure:  # noqa: BLE001 - the broker refused it: reported by the case's test
                    error = f"{type(failure).__name__}: {failure}"
                    publish_errors[chosen.name] = error
                    self.publisher.reset()
                targets = self.targets(message, bindings)
                ids = message.account_ids or [message.properties.get("message_id")]
                for message_id in ids:
                    units.append(Unit(chosen, token, message_id, targets, published_at, error))
        unsettled = self.settle(units)
        settled_in = time.monotonic() - started
        waiting = queue_messages()
        consumed = frozenset(
            service for service in SERVICES if self.services[service].running() and waiting.get(service, 1) == 0
        )
        parked = {service: self.publisher.drain(f"{service}.dead-letter") for service in SERVICES}
        observed, events = self.observer.snapshot()
        return Results(world, units, parked, events, observed, prelude_tokens, settled_in, unsettled, publish_errors,
                       consumed)

    @staticmethod
    def targets(message: Outgoing, bindings: dict[str, set[str]]) -> frozenset[str]:
        if message.exchange == "":
            return frozenset({message.routing_key}) & frozenset(SERVICES)
        assert message.exchange == EXCHANGE
        return frozenset(bindings.get(message.routing_key, set())) & frozenset(SERVICES)

    def settle(self, units: list[Unit]) -> list[str]:
        """Waits until every unit that must leave a trace has one, every service queue is empty, and the shortest
        expiration is long past; gives up when nothing changes for a while. Returns what never settled."""
        expecting = [unit for unit in units if unit.publish_error is None and ACKNOWLEDGED not in unit.case.allowed]
        last_progress = time.monotonic()
        seen = -1
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        earliest_end = max((unit.published_at for unit in units), default=0) + SURVIVAL_SECONDS
        while True:
            observed, events = self.observer.snapshot()
            if len(observed) != seen:
                seen = len(observed)
                last_progress = time.monotonic()
            copies = [copy for copy in observed if copy.exchange == "kvitt.dead-letter"]
            waiting = [
                f"{unit.case.name} ({unit.key}) in {service}"
                for unit in expecting
                for service in unit.targets
                if not self.traced(unit, service, copies, events)
            ]
            now = time.monotonic()
            if not waiting and now >= earliest_end and self.queues_empty():
                return []
            if now - last_progress > QUIET_SECONDS or now > deadline:
                return waiting
            time.sleep(0.2)

    @staticmethod
    def traced(unit: Unit, service: str, copies: list[Observed], events: list[Event]) -> bool:
        if any(copy.routing_key == service and unit.matches_copy(copy) for copy in copies):
            return True
        return any(event.service == service and (unit.matches_event(event, REJECTED)
                                                 or unit.matches_event(event, PROCESSED)) for event in events)

    def queues_empty(self) -> bool:
        try:
            return all(self.publisher.queue_depth(service) == 0 for service in SERVICES)
        except Exception:  # noqa: BLE001 - a queue that cannot be read is not known to be empty
            return False


def failure_reason(copy: Observed) -> str | None:
    return text(copy.headers.get(FAILURE_REASON_HEADER))


def causation(copy: Observed) -> str | None:
    return text(copy.headers.get(CAUSATION_HEADER))
