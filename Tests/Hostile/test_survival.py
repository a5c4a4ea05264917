"""After the barrage and the malformed queries: every service still runs, is ready, keeps its metrics bounded and
handles a normal command within a second."""

from __future__ import annotations

import re
import time

import pytest

from amqp_tools import queue_messages
from barrage import Results, new_token
from conftest import service_context
from hostile_cases import UNKNOWN_TYPE_COUNT, command, creditor, dumps, invoice, money
from service_processes import SERVICES, stop_all

#: A normal command after the barrage must be handled this fast.
NORMAL_LATENCY_SECONDS = 1.0


@pytest.mark.parametrize("service_name", SERVICES)
def test_service_is_running_and_ready(service_name, barrage, services):
    service = services[service_name]
    assert service.running(), f"{service_name} {service.exit_description()}\n" + service_context(services,
                                                                                                 [service_name])
    answer = service.get("/health/ready")
    assert answer.status == 200, f"{service_name} not ready: {answer.body.decode(errors='replace').strip()}\n" + (
        service_context(services, [service_name])
    )


@pytest.fixture(scope="module")
def queue_contents(barrage) -> dict[str, int]:
    return queue_messages()


@pytest.mark.parametrize("service_name", SERVICES)
def test_service_queue_is_drained(service_name, queue_contents):
    """Nothing waits in the service's queue, ready or delivered and never acknowledged (a wedged consumer)."""
    assert queue_contents.get(service_name) == 0, f"{queue_contents.get(service_name)} messages still in {service_name}"


def world_reads(barrage: Results) -> dict[str, list[str]]:
    world = barrage.world
    return {
        "invoicing": [f"/v1/invoices/{world.invoice_id}", f"/v1/invoices?creditor={world.creditor_id}",
                      f"/v1/invoices/{world.invoice_id}/document"],
        "payment-matching": [f"/v1/receivables/{world.invoice_id}", f"/v1/receivables?creditor={world.creditor_id}",
                             "/v1/payments/unmatched", "/v1/payments/overpayments"],
        "debt-collection": [f"/v1/cases/{world.invoice_id}", "/v1/cases?status=open", "/v1/cases?status=closed"],
        "tax-reduction": ["/v1/claims", "/v1/claim-files"],
    }


@pytest.mark.parametrize("service_name", SERVICES)
def test_read_api_still_answers_about_the_invoices_the_forged_events_named(service_name, barrage, services):
    """Forged events named the suite's invoices: whatever a service kept of them, reading it must not trap."""
    service = services[service_name]
    for path in world_reads(barrage)[service_name]:
        try:
            answer = service.get(path)
        except OSError as error:
            pytest.fail(f"{service_name} {path}: {error!r}\n" + service_context(services, [service_name]))
        assert answer.status in (200, 404), f"{service_name} {path}: {answer.status} {answer.body[:300]!r}"
    if service_name == "tax-reduction":
        # The buyer's number travels in a body, never in a path.
        answer = service.post_json("/v1/buyers/usage", {"personnummer": barrage.world.rot_buyer})
        assert answer.status == 200, f"tax-reduction usage: {answer.status} {answer.body[:300]!r}"


def test_unknown_types_share_one_metric_label(barrage: Results, services):
    units = barrage.units_of("tax-reduction-500-unknown-types")
    if not units:
        pytest.skip("the unknown-types case was not selected")
    consumed = sum(1 for unit in units if barrage.account(unit, "tax-reduction").outcome is not None)
    assert consumed == len(units), f"only {consumed} of the {len(units)} unknown types were consumed: nothing to count"
    metrics = services["tax-reduction"].get("/metrics").body.decode()
    labels = set(re.findall(r'type="([^"]*)"', metrics))
    per_type = sorted(label for label in labels if re.fullmatch(r"x\.t\d+\.v1", label))
    series = [line for line in metrics.splitlines() if line.startswith("kvitt_") and "x.t" in line]
    assert not per_type, (
        f"{len(per_type)} of {UNKNOWN_TYPE_COUNT} unknown types got a label of their own ({len(series)} series), "
        f"e.g. {per_type[:3]}"
    )
    assert len(labels) < 100, f"{len(labels)} type labels"


@pytest.mark.parametrize("service_name", ["invoicing", "payment-matching", "debt-collection", "tax-reduction"])
def test_broker_connection_gauges_after_the_barrage(service_name: str, barrage: Results, services):
    """No alarm is raised and the connections held: the barrage's refusals did not turn into reconnects."""
    metrics = services[service_name].get("/metrics").body.decode()
    values = dict(re.findall(r"^(kvitt_amqp_\w+) ([0-9.e+-]+)$", metrics, re.MULTILINE))
    assert float(values.get("kvitt_amqp_blocked", "nan")) == 0, f"{service_name}: {values}"
    assert float(values.get("kvitt_amqp_reconnects", "nan")) == 0, f"{service_name}: {values}"
    assert "kvitt_amqp_refused_messages" in values, f"{service_name}: {values}"


def normal_command(service_name: str, barrage: Results):
    world = barrage.world
    if service_name == "invoicing":
        return command("invoicing.create-invoice.v1", new_token("after"), dumps(invoice(world, new_token("ext"))))
    if service_name == "payment-matching":
        body = {"source": "card", "sourceID": new_token("card"), "amount": money(12_500), "paymentDate": world.today,
                "creditorID": world.creditor_id}
        return command("payment-matching.register-payment.v1", new_token("after"), dumps(body))
    if service_name == "debt-collection":
        return command("debt-collection.postpone-next-event.v1", new_token("after"),
                       dumps({"invoiceID": world.rot_invoice_id, "to": world.today}))
    body = {"creditorID": world.creditor_id, "kind": "rut", "year": int(world.today[:4]), "name": "after"}
    return command("tax-reduction.generate-claim-file.v1", new_token("after"), dumps(body))


def test_a_new_creditor_and_invoice_afterwards_each_take_under_a_second(barrage, setup, observer, services):
    creditor_id = new_token("later-creditor")
    registration = command("invoicing.register-creditor.v1", new_token("after"), dumps(creditor(creditor_id)))
    latency = timed(setup, observer, registration, "invoicing.creditor-registered.v1")
    assert latency is not None and latency <= NORMAL_LATENCY_SECONDS, (
        f"creditor-registered after {latency} s\n" + service_context(services, ["invoicing"])
    )
    body = invoice(barrage.world, new_token("ext"), creditorID=creditor_id)
    creation = command("invoicing.create-invoice.v1", new_token("after"), dumps(body))
    latency = timed(setup, observer, creation, "invoicing.invoice-created.v1")
    assert latency is not None and latency <= NORMAL_LATENCY_SECONDS, (
        f"invoice-created after {latency} s\n" + service_context(services, ["invoicing"])
    )


@pytest.mark.parametrize("service_name", SERVICES)
def test_a_normal_command_afterwards_is_handled_within_a_second(service_name, barrage, setup, observer, services):
    latency = timed(setup, observer, normal_command(service_name, barrage))
    assert latency is not None, f"{service_name} did not handle a normal command within 3 s\n" + service_context(
        services, [service_name]
    )
    assert latency <= NORMAL_LATENCY_SECONDS, f"{service_name} took {latency:.2f} s"


def timed(setup, observer, message, event_type: str | None = None) -> float | None:
    """Seconds from publishing a command to the first event it caused, of `event_type` when given (otherwise any:
    a rejection too, since it was handled)."""
    token = message.properties["message_id"]
    started = time.monotonic()
    setup.publisher.publish(message)
    event = observer.wait_for_event(
        lambda seen: seen.causation_id == token and event_type in (None, seen.type), 3.0, started
    )
    return None if event is None else event.at - started


def test_every_service_stops_on_sigterm(barrage, services):
    """Last, because it ends them: a service that still runs its publisher loop, or hangs, must still shut down."""
    ended = stop_all(list(services.values()))
    unclean = {name: how for name, how in ended.items() if how != "exited with status 0"}
    assert not unclean, f"not a clean stop: {unclean}\n" + service_context(services, unclean)
