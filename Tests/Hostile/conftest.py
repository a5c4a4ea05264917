"""Fixtures of the hostile-input suite: the broker (AMQP_URL), the four real services, an observer of everything
they publish and park, the world they share, and the barrage of hostile messages (run once, before any check)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from amqp_tools import (
    REPOSITORY,
    Observer,
    Publisher,
    amqp_url,
    connect,
    delete_service_queues,
    ensure_broker_user,
    url_with_user,
)
from barrage import Barrage, Results, Setup, failure_reason
from hostile_cases import CASES, CASES_BY_NAME, World
from service_processes import SERVICES, ServiceProcess, start_services, stop_all

ERP_USER = "erp"
ERP_PASSWORD = "erp-hostile-suite"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The barrage publishes only the cases whose tests were selected (`-k`), or all of them when none was."""
    selected = set()
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "case_name" in callspec.params:
            selected.add(callspec.params["case_name"])
    config.hostile_selected_cases = selected


@pytest.fixture(scope="session")
def broker_url() -> str:
    url = amqp_url()
    try:
        connect(url).close()
    except Exception as error:  # noqa: BLE001 - one clear line instead of pika's traceback
        pytest.exit(f"no broker at AMQP_URL={url}: {error!r} (start one with scripts/broker.sh start)", returncode=2)
    return url


@pytest.fixture(scope="session")
def erp_url(broker_url) -> str:
    """An upstream system's own broker user, created with rabbitmqctl on the node behind AMQP_URL."""
    ensure_broker_user(ERP_USER, ERP_PASSWORD)
    url = url_with_user(broker_url, ERP_USER, ERP_PASSWORD)
    try:
        connect(url).close()
    except Exception as error:  # noqa: BLE001
        pytest.exit(
            f"user {ERP_USER} was created with rabbitmqctl but cannot log in at {broker_url}: {error!r}; does "
            "KVITT_BROKER_NODE name the node behind AMQP_URL?",
            returncode=2,
        )
    return url


@pytest.fixture(scope="session")
def run_directory() -> Path:
    directory = REPOSITORY / ".run" / "hostile" / time.strftime("%Y%m%d-%H%M%S")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def services(broker_url, run_directory):
    binaries = Path(os.environ.get("KVITT_BIN_DIR", REPOSITORY / ".build" / "debug"))
    # A run that was interrupted leaves hostile messages in the queues; the next one starts from none.
    delete_service_queues(broker_url, SERVICES)
    try:
        started = start_services(binaries, broker_url, run_directory)
    except (FileNotFoundError, RuntimeError, TimeoutError) as error:
        pytest.exit(str(error), returncode=2)
    yield started
    stop_all(list(started.values()))
    print(f"\nservice logs: {run_directory}")


@pytest.fixture(scope="session")
def observer(broker_url, services):
    watching = Observer(broker_url, SERVICES)
    watching.start()
    yield watching
    watching.stop()


@pytest.fixture(scope="session")
def publisher(broker_url, erp_url):
    publishing = Publisher(broker_url, {ERP_USER: erp_url})
    yield publishing
    publishing.close()


@pytest.fixture(scope="session")
def setup(publisher, observer, services) -> Setup:
    return Setup(publisher, observer, services)


@pytest.fixture(scope="session")
def world(setup) -> World:
    return setup.build_world()


@pytest.fixture(scope="session")
def barrage(request, publisher, observer, services, world, run_directory) -> Results:
    selected = getattr(request.config, "hostile_selected_cases", set())
    cases = [CASES_BY_NAME[name] for name in sorted(selected)] if selected else list(CASES)
    cases.sort(key=CASES.index)
    results = Barrage(publisher, observer, services).run(cases, world)
    write_outcomes(results, run_directory / "outcomes.txt")
    return results


def write_outcomes(results: Results, path: Path) -> None:
    """One line per message and service: how it ended, and what the parked copy kept (for reading a run later)."""
    lines = [f"settled in {results.settled_in_seconds:.1f} s; {len(results.units)} messages"]
    for unit in results.units:
        for service in sorted(unit.targets):
            account = results.account(unit, service)
            line = f"{unit.case.name:<60} {service:<17} {account.outcome or 'NOTHING':<12}"
            for copy in account.copies[:1]:
                headers = copy.headers
                kept = [name for name in ("expiration", "user_id", "reply_to", "priority", "timestamp")
                        if getattr(copy.properties, name) is not None]
                line += (f" reason={failure_reason(copy)} headers={len(headers)}"
                         f" header-bytes={len(repr(headers))} kept={','.join(kept)} body={len(copy.body)}")
            for event in account.rejections[:1]:
                line += f" errors={[error.get('field') for error in event.body['rejection']['errors']]}"
            lines.append(line)
    path.write_text("\n".join(lines) + "\n")


def service_context(services: dict[str, ServiceProcess], names, *needles: str) -> str:
    """What the services' logs say about a failure: the lines naming the message, or their last errors, and
    whether the process is still running."""
    lines = []
    for name in sorted(names):
        service = services[name]
        mentioning = service.log_lines_mentioning(*needles) if needles else []
        state = "running" if service.running() else service.exit_description()
        lines.append(f"  {name} ({state}):")
        for line in mentioning or service.problems(4):
            lines.append(f"    {line[:500]}")
    return "\n".join(lines)
