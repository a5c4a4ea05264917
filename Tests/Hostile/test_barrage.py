"""Each hostile or edge message, through the real broker to the real services: parked with a known reason or
rejected with field errors (an edge message may also be processed), in exactly the services it was sent to."""

from __future__ import annotations

import pytest

from amqp_tools import FAILURE_DETAIL_HEADER
from barrage import Results, failure_reason
from conftest import service_context
from hostile_cases import CASES, CASES_BY_NAME, KNOWN_REASONS, PARKED, REJECTED

#: The latest AMQP timestamp a parked copy may keep (2200-01-01): later ones are dropped.
LATEST_TIMESTAMP = 7_258_118_400


def describe_copy(copy) -> str:
    headers = copy.headers
    reason = failure_reason(copy)
    if reason is None and "x-death" in headers:
        death = headers["x-death"][0] if headers["x-death"] else {}
        return f"parked by the broker, not the service (x-death reason {death.get('reason')!r}, no {reason!r})"
    return f"reason {reason!r}, detail {str(headers.get('x-kvitt-failure-detail'))[:200]!r}"


@pytest.mark.parametrize("case_name", [registered.name for registered in CASES])
def test_hostile_message_is_parked_or_rejected(case_name: str, barrage: Results, services):
    case = CASES_BY_NAME[case_name]
    units = barrage.units_of(case_name)
    assert units, f"{case_name} was not published"
    refused = barrage.publish_errors.get(case_name)
    assert refused is None, f"the broker refused the publish: {refused}"
    problems = []
    for unit in units:
        assert unit.targets, f"{unit.key}: no service queue is bound to what it was published with"
        for service in sorted(unit.targets):
            account = barrage.account(unit, service)
            where = f"{unit.key} in {service}"
            if account.outcome not in case.allowed:
                seen = account.outcome or "nothing: not parked, rejected or processed (lost, or never consumed)"
                problems.append(f"{where}: {seen}; expected {' or '.join(sorted(case.allowed))}")
                continue
            if account.outcome == PARKED:
                for copy in account.copies:
                    reason = failure_reason(copy)
                    if reason not in KNOWN_REASONS or (case.reasons and reason not in case.reasons):
                        expected = sorted(case.reasons or KNOWN_REASONS)
                        problems.append(f"{where}: parked with {describe_copy(copy)}; expected one of {expected}")
                    problems.extend(f"{where}: {problem}" for problem in copy_problems(copy, case.checks))
                    detail = str(copy.headers.get(FAILURE_DETAIL_HEADER, ""))
                    if reason == "undecodable-body" and case.fields and not any(f in detail for f in case.fields):
                        problems.append(f"{where}: parked as undecodable, but the detail names none of "
                                        f"{list(case.fields)}: {detail[:200]!r}")
            if account.outcome == REJECTED:
                errors = [error for event in account.rejections for error in event.body["rejection"]["errors"]]
                if not errors:
                    problems.append(f"{where}: rejected without field errors")
                elif case.fields and not any(case.names_expected_field(str(error.get("field"))) for error in errors):
                    problems.append(f"{where}: rejected naming {[e.get('field') for e in errors]}, not one of "
                                    f"{list(case.fields)}")
        strays = barrage.strays(unit)
        if strays:
            problems.append(f"{unit.key} reached services it was not sent to: {strays}")
    if "no-second-effect" in case.checks:
        token = barrage.prelude_tokens[case_name]
        effects = [event for event in barrage.events if event.causation_id == token and not
                   event.type.endswith("command-rejected.v1")]
        if len(effects) != 1:
            problems.append(f"{token}: {len(effects)} effects ({[event.type for event in effects]}); the first use of "
                            "the id had one, and the second use must add none")
    if problems:
        targets = {service for unit in units for service in unit.targets}
        needles = [unit.key for unit in units[:3]]
        pytest.fail("\n".join(problems[:12]) + "\nservice logs:\n" + service_context(services, targets, *needles))


def copy_problems(copy, checks) -> list[str]:
    problems = []
    properties = copy.properties
    if "no-routing-properties" in checks:
        problems.extend(routing_properties(copy))
    if "timestamp-in-range" in checks and properties.timestamp is not None:
        if not 0 <= properties.timestamp < LATEST_TIMESTAMP:
            problems.append(f"parked copy keeps timestamp {properties.timestamp}")
    return problems


def routing_properties(copy) -> list[str]:
    """What a parked copy must not keep: properties that change who gets it or how long it lives."""
    properties = copy.properties
    found = []
    if properties.expiration is not None:
        found.append(f"parked copy keeps expiration {properties.expiration!r} (it would vanish from the queue)")
    if properties.user_id is not None:
        found.append(f"parked copy keeps user_id {properties.user_id!r}")
    for header in ("CC", "BCC"):
        if header in copy.headers:
            found.append(f"parked copy keeps the {header} header {copy.headers[header]!r}")
    return found


def test_at_least_forty_hostile_messages_reach_every_service(barrage: Results):
    hostile = [unit for unit in barrage.units if unit.case.hostile]
    reached = {service for unit in hostile for service in unit.targets}
    if len({unit.case.name for unit in barrage.units}) < len(CASES):
        pytest.skip("only some cases were selected")
    assert len(hostile) >= 40
    assert reached == {"invoicing", "payment-matching", "debt-collection", "tax-reduction"}


def test_no_hostile_message_is_lost(barrage: Results, services):
    """Each message id is accounted for in each service that received it: parked, rejected or processed."""
    lost = []
    total = 0
    for unit in barrage.units:
        for service in unit.targets:
            total += 1
            if barrage.account(unit, service).outcome is None:
                lost.append(f"{unit.case.name}: {unit.key} in {service}")
    assert not lost, f"{len(lost)} of {total} messages unaccounted for:\n" + "\n".join(lost[:40])


def test_no_parked_copy_keeps_routing_or_lifetime_properties(barrage: Results):
    assert any(barrage.parked.values()), "nothing was parked: no copy to check"
    found = []
    for service, copies in barrage.parked.items():
        for copy in copies:
            for problem in routing_properties(copy):
                found.append(f"{service}.dead-letter {str(copy.message_id)[:60]}: {problem}")
    assert not found, "\n".join(found[:30])


def test_parked_copies_outlive_the_expiration_they_arrived_with(barrage: Results):
    """A copy of a message published with `expiration` is still in its dead-letter queue seconds later."""
    expiring = [unit for unit in barrage.units if "survives-in-dead-letter-queue" in unit.case.checks]
    if not expiring:
        pytest.skip("no expiring case selected")
    missing = [
        f"{unit.case.name} in {service}"
        for unit in expiring
        for service in unit.targets
        if not any(unit.matches_copy(copy) for copy in barrage.parked.get(service, []))
    ]
    assert not missing, "not in the dead-letter queue any more (or never parked): " + ", ".join(missing)


def test_every_message_settled(barrage: Results):
    assert not barrage.unsettled, (
        f"still unsettled after waiting ({barrage.settled_in_seconds:.1f} s): " + "; ".join(barrage.unsettled[:20])
    )

