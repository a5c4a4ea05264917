"""Malformed query values on each service's read API: 400 with a JSON body that names the field, and the service
still alive. Run after the barrage (they ask for it), so that a trap here cannot hide what the barrage found."""

from __future__ import annotations

import json

import pytest

from conftest import service_context

MALFORMED_QUERIES = [
    ("invoicing", "/v1/invoices?closedTo=9999-12-31", "closedTo"),
    ("invoicing", "/v1/invoices?closedFrom=0001-01-01", "closedFrom"),
    ("invoicing", "/v1/invoices?from=2026-02-30", "from"),
    ("invoicing", "/v1/invoices?to=2200-01-01", "to"),
    ("invoicing", "/v1/invoices?limit=99999999999999999999999", "limit"),
    ("invoicing", "/v1/invoices?offset=-1", "offset"),
    ("invoicing", "/v1/invoices?colour=purple", "colour"),
    ("invoicing", "/v1/invoices?status=%FF%FE", "status"),
    ("payment-matching", "/v1/reports/payments?from=0001-01-01&to=9999-12-31", "from"),
    ("payment-matching", "/v1/reports/payments?from=2026-01-01&to=not-a-date", "to"),
    ("payment-matching", "/v1/reports/payments?from=2026-01-01&to=2026-12-31&format=pdf", "format"),
    ("payment-matching", "/v1/receivables?creditor=x&open=maybe", "open"),
    ("debt-collection", "/v1/cases?status=bogus", "status"),
    ("debt-collection", "/v1/cases?status=%00%FF", "status"),
    ("tax-reduction", "/v1/claims?status=bogus", "status"),
]

#: Malformed bodies of tax-reduction's `POST /v1/buyers/usage` (the personnummer travels in a body, never a path).
MALFORMED_USAGE_BODIES = [
    ('{"personnummer": "19811218-9876", "year": 99999999999999999999}', "year"),
    ({"personnummer": "19811218-9876", "year": -1}, "year"),
    ({"personnummer": "19811218-9876", "year": 9999}, "year"),
    ({"personnummer": "19811218-9876", "year": "2026"}, "year"),
    ({"personnummer": "19811218-9877", "year": 2026}, "personnummer"),
    ({"year": 2026}, "personnummer"),
    ("[1, 2", "body"),
]


@pytest.mark.parametrize(("service_name", "path", "field"), MALFORMED_QUERIES)
def test_malformed_query_is_a_400_naming_the_field(service_name, path, field, barrage, services):
    service = services[service_name]
    try:
        answer = service.get(path)
    except OSError as error:
        pytest.fail(f"{service_name} did not answer {path}: {error!r}\n" + service_context(services, [service_name]))
    alive = service.running() and service.get("/health/live").status == 200
    assert alive, f"{service_name} died answering {path}\n" + service_context(services, [service_name])
    assert answer.status == 400, f"{path}: {answer.status} {answer.body[:300]!r}"
    try:
        body = json.loads(answer.body)
    except ValueError:
        pytest.fail(f"{path}: the 400 is not JSON: {answer.body[:300]!r}")
    assert field in json.dumps(body), f"{path}: the answer does not name {field}: {body}"
    assert_one_refusal_shape(body, path)


def assert_one_refusal_shape(body, what) -> None:
    """Every service's 400: the first problem as `error`, and every problem found as `errors`."""
    assert set(body) == {"error", "errors"}, f"{what}: not the one 400 shape: {body}"
    assert 1 <= len(body["errors"]) <= 20 and body["errors"][0] == body["error"], f"{what}: {body}"
    for problem in body["errors"]:
        assert set(problem) == {"field", "message"} and all(isinstance(v, str) for v in problem.values()), body


@pytest.mark.parametrize(("body", "field"), MALFORMED_USAGE_BODIES)
def test_malformed_usage_question_is_a_400_naming_the_field(body, field, barrage, services):
    service = services["tax-reduction"]
    try:
        answer = service.post_json("/v1/buyers/usage", body)
    except OSError as error:
        pytest.fail(f"tax-reduction did not answer {body!r}: {error!r}\n" + service_context(services, ["tax-reduction"]))
    assert service.running(), "tax-reduction died answering a usage question\n" + service_context(
        services, ["tax-reduction"])
    assert answer.status == 400, f"{body!r}: {answer.status} {answer.body[:300]!r}"
    refusal = json.loads(answer.body)
    assert_one_refusal_shape(refusal, repr(body))
    assert refusal["error"]["field"] == field, f"{body!r}: {refusal}"
    # The refusal never repeats the number it was sent.
    assert b"9876" not in answer.body and b"9877" not in answer.body, answer.body


def test_the_old_usage_path_is_gone(barrage, services):
    assert services["tax-reduction"].get("/v1/buyers/19811218-9876/usage").status == 404
