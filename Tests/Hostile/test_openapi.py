"""Schemathesis against docs/openapi.yaml and the four live services (issue 18, item 8): every operation the
document describes is called on the service that serves it, with data generated from the document (its examples,
boundary and missing values, then Hypothesis' own, both valid and invalid), and must never answer 5xx, must answer
only the statuses and content types the document lists, with bodies that match its schemas, and must refuse what the
document does not allow (400, or 401/404/413 where those apply). Then each operation is called once about the suite's
own world (a real creditor, invoices, a paid ROT invoice's claim file), so that the 200 answers and every download
(HTML, CSV, XLSX, XML) are checked against the document too, and read back.

Bounded and repeatable: a fixed seed, derandomised Hypothesis, a few examples per operation and no example database.
"""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.configuration
import openpyxl
import pytest
import schemathesis
import yaml

from amqp_tools import REPOSITORY
from barrage import Setup, new_token
from conftest import service_context
from hostile_cases import World, command, dumps, money, rot_invoice
from service_processes import SERVICES

# Hypothesis keeps caches of its own (never an example database here) out of the work tree, with the run's files.
hypothesis.configuration.set_hypothesis_home_dir(REPOSITORY / ".run" / "hypothesis")

DOCUMENT = Path(os.environ.get("KVITT_OPENAPI_DOCUMENT", REPOSITORY / "docs" / "openapi.yaml"))
#: Examples Hypothesis generates per operation and generation mode (valid and invalid data), on top of the document's
#: examples and the coverage phase's boundary values: enough to find a trap, few enough for a minute on two cores.
MAX_EXAMPLES = int(os.environ.get("KVITT_OPENAPI_MAX_EXAMPLES", "50"))
SEED = 18_08
#: What a service may answer to data the document does not allow: 400 naming the field, 401 without the token, 404
#: for a path naming nothing, 413 for a body over the route's limit. Never 5xx, never 2xx.
REFUSAL_STATUSES = ["400", "401", "404", "413"]
#: Routes that change state are left out of the generated calls, since the services are shared with the rest of the
#: suite. The document has none today (the test clock, `POST /v1/clock`, is served only with CLOCK_CONTROL=on and is
#: not part of it); the guard stays so that adding one cannot silently let schemathesis move the clock.
STATE_CHANGING = {("POST", "/v1/clock")}

#: The services run with the suite's `API_TOKEN` when it has one (service_processes.py passes the environment on).
API_TOKEN = os.environ.get("API_TOKEN") or None


def config_for(document: dict) -> schemathesis.Config:
    """Every phase but the stateful one (there are no links between read operations), valid and invalid data, the
    checks of issue 18 item 8, and the bearer token for every scheme of the document when the services have one;
    without one, no request is generated without it (the services are open and would rightly answer 200)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    bearer = [name for name, scheme in schemes.items() if str(scheme.get("scheme", "")).lower() == "bearer"]
    data: dict[str, Any] = {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": API_TOKEN is not None,
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True, "expected-statuses": REFUSAL_STATUSES},
            # With a token: a request without it or with a wrong one is refused (401), not answered.
            "ignored_auth": {"enabled": API_TOKEN is not None},
        },
    }
    if API_TOKEN is not None and bearer:
        data["auth"] = {"openapi": {name: {"bearer": API_TOKEN} for name in bearer}}
    return schemathesis.Config.from_dict(data)


def load_document() -> tuple[dict | None, str | None]:
    """The document as data, or why there is none (a missing or unreadable file fails one test, not collection)."""
    if not DOCUMENT.is_file():
        return None, f"{DOCUMENT} does not exist"
    try:
        return yaml.safe_load(DOCUMENT.read_text()), None
    except yaml.YAMLError as error:
        return None, f"{DOCUMENT} is not YAML: {error}"


RAW, DOCUMENT_PROBLEM = load_document()
SCHEMA = None
if RAW is not None:
    try:
        SCHEMA = schemathesis.openapi.from_dict(RAW, config=config_for(RAW)).exclude(
            func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in STATE_CHANGING
        )
        SCHEMA.location = DOCUMENT.absolute().as_uri()
    except Exception as error:  # noqa: BLE001 - schemathesis refuses a document in many ways; say which
        DOCUMENT_PROBLEM = f"schemathesis cannot load {DOCUMENT}: {error}"


def test_the_document_loads():
    assert DOCUMENT_PROBLEM is None, DOCUMENT_PROBLEM


# --- Which service serves an operation ------------------------------------------------------------------------------

#: Paths each service serves, for a document that names the service neither in a tag nor in a server.
PATH_PREFIXES = {
    "invoicing": ("/v1/invoices", "/v1/creditors"),
    "payment-matching": ("/v1/payments", "/v1/receivables", "/v1/reports"),
    "debt-collection": ("/v1/cases", "/v1/case-summary"),
    "tax-reduction": ("/v1/claims", "/v1/claim-files", "/v1/buyers"),
}


#: What every service answers.
SHARED_PREFIXES = ("/health/", "/metrics")
SHARED_TAGS = {"health"}


def services_of(method: str, path: str) -> list[str]:
    """The services that serve an operation: the one a tag, an `x-kvitt-service` or a server of the operation or its
    path names (or else its path prefix), or all four for what every service answers (health and metrics)."""
    item = (RAW or {}).get("paths", {}).get(path, {})
    operation = item.get(method.lower(), {})
    named = operation.get("x-kvitt-service") or item.get("x-kvitt-service")
    if named in SERVICES:
        return [named]
    for tag in operation.get("tags", []):
        if tag in SERVICES:
            return [tag]
    for server in operation.get("servers", []) + item.get("servers", []):
        for service in SERVICES:
            if service in (str(server.get("url", "")), str(server.get("description", ""))):
                return [service]
    for service, prefixes in PATH_PREFIXES.items():
        if path.startswith(prefixes):
            return [service]
    if path.startswith(SHARED_PREFIXES) or set(operation.get("tags", [])) & SHARED_TAGS:
        return list(SERVICES)
    return []


def header(headers, name: str) -> str:
    """A response header's first value, whatever the case of its name."""
    for key, values in headers.items():
        if key.lower() == name:
            return values[0] if isinstance(values, list) else values
    return ""


# --- Generated calls ------------------------------------------------------------------------------------------------

if SCHEMA is not None:

    @SCHEMA.parametrize()
    @hypothesis.settings(
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
    )
    def test_generated_calls_conform(case, services, world):
        """Each generated request to the service that serves the operation: no 5xx, only documented statuses and
        content types, bodies matching the document, and invalid data refused."""
        names = services_of(case.method, case.path)
        assert names, f"{case.method} {case.path}: the document does not say which service serves it"
        for name in names:
            service = services[name]
            try:
                # The token comes from the configuration, so that the cases made without it stay without it.
                case.call_and_validate(base_url=service.base_url, timeout=10)
            except BaseException:
                if not service.running():
                    pytest.fail(f"{name} died answering {case.method} {case.formatted_path}\n"
                                + service_context(services, [name]))
                raise


# --- Calls about the world ------------------------------------------------------------------------------------------


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unreadable(media_type: str, content: bytes) -> str | None:
    """Why a download cannot be read as what it says it is (JSON bodies are checked against the document)."""
    try:
        if media_type == XLSX:
            openpyxl.load_workbook(io.BytesIO(content), read_only=True).close()
        elif media_type == "application/xml":
            xml.etree.ElementTree.fromstring(content)
        elif media_type == "text/html":
            if b"<html" not in content[:500].lower():
                return "no <html> element"
            content.decode("utf-8")
        elif media_type == "text/csv":
            if ";" not in content.decode("utf-8-sig").partition("\n")[0]:
                return "no header line of ';'-separated columns"
    except Exception as error:  # noqa: BLE001 - any reader's refusal is the finding
        return f"{type(error).__name__}: {error}"
    return None


@dataclass
class KnownCall:
    """A request about data the suite made, which must answer `status` with a body of `media_type`."""

    method: str
    path: str
    path_parameters: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    status: int = 200
    media_type: str = "application/json"

    @property
    def label(self) -> str:
        query = "&".join(f"{key}={value}" for key, value in self.query.items())
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def claim_file_id(setup: Setup, services, world: World) -> str:
    """A claim file (the XML download) of a ROT invoice of its own, paid in full: the world's invoices stay as the
    other tests expect them."""
    created = setup.send(command("invoicing.create-invoice.v1", new_token("oas-rot"),
                                 dumps(rot_invoice(world, new_token("oas-ext")))), "invoicing.invoice-created.v1")
    invoice_id = created.body["invoiceID"]
    invoicing = services["invoicing"]
    setup.poll(lambda: (invoicing.get(f"/v1/invoices/{invoice_id}").json().get("taxReduction") or {}).get("state")
               == "allocated", f"tax-reduction's allocation of {invoice_id} reached invoicing")
    issued = setup.send(command("invoicing.attest-invoice.v1", new_token("oas-attest"),
                                dumps({"invoiceID": invoice_id})), "invoicing.invoice-issued.v1")
    payment = {"source": "card", "sourceID": new_token("oas-card"), "amount": money(issued.body["amountDue"]["amount"]),
               "paymentDate": world.today, "reference": issued.body["ocr"], "creditorID": world.creditor_id}
    setup.poll(lambda: services["payment-matching"].get(f"/v1/receivables/{invoice_id}").status == 200,
               f"payment-matching has the receivable {invoice_id}")
    setup.send(command("payment-matching.register-payment.v1", new_token("oas-pay"), dumps(payment)),
               "payment-matching.invoice-paid.v1")
    body = {"creditorID": world.creditor_id, "kind": "rot", "year": int(world.today[:4]), "name": "openapi"}

    def generated():
        # Refused ("no paid ROT claims") until tax-reduction has the payment.
        try:
            return setup.send(command("tax-reduction.generate-claim-file.v1", new_token("oas-claims"), dumps(body)),
                              "tax-reduction.claim-file-generated.v1", timeout=5)
        except AssertionError:
            return None

    return setup.poll(generated, "a claim file of the paid ROT invoice").body["fileID"]


def known_calls(service_name: str, world: World, claim_file_id) -> list[KnownCall]:
    """The reads about the world of one service (`claim_file_id()` makes the claim file, for tax-reduction only)."""
    year = world.today[:4]
    month = world.today[:7]
    period = {"from": f"{year}-01-01", "to": f"{year}-12-31"}
    xlsx = XLSX
    if service_name == "tax-reduction":
        return [
            KnownCall("GET", "/v1/claims"),
            KnownCall("GET", "/v1/claim-files"),
            KnownCall("GET", "/v1/claim-files/{id}", {"id": claim_file_id()}, media_type="application/xml"),
            KnownCall("POST", "/v1/buyers/usage", body={"personnummer": world.rot_buyer, "year": int(year)}),
        ]
    return {
        "invoicing": [
            KnownCall("GET", "/v1/invoices", query={"creditor": world.creditor_id}),
            KnownCall("GET", "/v1/invoices", query={"creditor": world.creditor_id, "limit": 1, "offset": 1}),
            KnownCall("GET", "/v1/invoices/{id}", {"id": world.invoice_id}),
            KnownCall("GET", "/v1/invoices/{id}", {"id": world.rot_invoice_id}),
            KnownCall("GET", "/v1/invoices/{id}/document", {"id": world.rot_invoice_id}, media_type="text/html"),
            KnownCall("GET", "/v1/creditors/{id}/prices", {"id": world.creditor_id}),
            KnownCall("GET", "/v1/creditors/{id}/statements/{month}", {"id": world.creditor_id, "month": month}),
        ],
        "payment-matching": [
            KnownCall("GET", "/v1/payments/unmatched"),
            KnownCall("GET", "/v1/payments/overpayments"),
            KnownCall("GET", "/v1/receivables", query={"creditor": world.creditor_id}),
            KnownCall("GET", "/v1/receivables", query={"creditor": world.creditor_id, "open": "true"}),
            KnownCall("GET", "/v1/receivables/{invoiceID}", {"invoiceID": world.invoice_id}),
            KnownCall("GET", "/v1/reports/payments", query=period),
            KnownCall("GET", "/v1/reports/payments", query={**period, "format": "csv"}, media_type="text/csv"),
            KnownCall("GET", "/v1/reports/payments", query={**period, "format": "xlsx"}, media_type=xlsx),
            KnownCall("GET", "/v1/reports/deposits", query=period),
            KnownCall("GET", "/v1/reports/deposits", query={**period, "format": "csv"}, media_type="text/csv"),
        ],
        "debt-collection": [
            KnownCall("GET", "/v1/cases"),
            KnownCall("GET", "/v1/cases", query={"status": "open"}),
            KnownCall("GET", "/v1/cases/{invoiceID}", {"invoiceID": world.invoice_id}),
            KnownCall("GET", "/v1/case-summary"),
        ],
    }[service_name]


@pytest.mark.parametrize("service_name", SERVICES)
def test_answers_about_the_world_conform(service_name, services, world, request):
    """Every read about the suite's own data answers as the document says, downloads included; and the document
    describes each of these operations."""
    assert SCHEMA is not None, DOCUMENT_PROBLEM
    service = services[service_name]
    problems = []
    for call in known_calls(service_name, world, lambda: request.getfixturevalue("claim_file_id")):
        served_by = services_of(call.method, call.path)
        operation = SCHEMA.find_operation_by_label(f"{call.method} {call.path}")
        if operation is None:
            problems.append(f"{call.label}: not in {DOCUMENT.name}")
            continue
        if service_name not in served_by:
            problems.append(f"{call.label}: the document gives it to {served_by}, not {service_name}")
            continue
        kwargs: dict[str, Any] = {"path_parameters": call.path_parameters, "query": call.query or None}
        if call.body is not None:
            kwargs["body"] = call.body
            kwargs["media_type"] = "application/json"
        case = operation.Case(**kwargs)
        try:
            response = case.call_and_validate(base_url=service.base_url, headers=service.auth_headers, timeout=10)
        except (AssertionError, BaseExceptionGroup) as failure:  # one check or several: report every call
            problems.append(f"{call.label}: {str(failure).strip()[:1500]}")
            continue
        content_type = header(response.headers, "content-type")
        if response.status_code != call.status or not content_type.startswith(call.media_type):
            problems.append(f"{call.label}: {response.status_code} {content_type}, expected {call.status} "
                            f"{call.media_type}: {response.content[:300]!r}")
        elif problem := unreadable(call.media_type, response.content):
            problems.append(f"{call.label}: the {call.media_type} download cannot be read: {problem}")
    if not service.running():
        problems.append(f"{service_name} died\n" + service_context(services, [service_name]))
    assert not problems, "\n".join(problems)
