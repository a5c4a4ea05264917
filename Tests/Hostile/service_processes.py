"""The four real service executables, each as its own process with its own database, port and JSON log."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("invoicing", "payment-matching", "debt-collection", "tax-reduction")
#: The services' `SHUTDOWN_GRACE`: after SIGTERM each must have exited within it (and a little more, to exit).
SHUTDOWN_GRACE_SECONDS = 5
STOP_MARGIN_SECONDS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class HTTPAnswer:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    #: The `API_TOKEN` the service was started with (from the suite's environment), sent as a bearer token.
    api_token: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"} if self.api_token else {}

    def get(self, path: str, timeout: float = 5.0) -> HTTPAnswer:
        """A GET to the service; an HTTP error status is an answer, a refused connection raises."""
        request = urllib.request.Request(self.base_url + path, headers=self.auth_headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HTTPAnswer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return HTTPAnswer(error.code, error.read())

    def post_json(self, path: str, body: object, timeout: float = 5.0) -> HTTPAnswer:
        """A POST of a JSON body (a str is sent as it is, malformed or not); an HTTP error status is an answer."""
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method="POST",
                                         headers={"Content-Type": "application/json", **self.auth_headers})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HTTPAnswer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return HTTPAnswer(error.code, error.read())

    def running(self) -> bool:
        return self.process.poll() is None

    def exit_description(self) -> str:
        code = self.process.poll()
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def ready(self) -> bool:
        try:
            return self.get("/health/ready", timeout=2).status == 200
        except OSError:
            return False

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def log_lines_mentioning(self, *needles: str, limit: int = 5) -> list[str]:
        found = [line for line in self.log_lines() if any(needle and needle in line for needle in needles)]
        return found[-limit:]

    def problems(self, limit: int = 8) -> list[str]:
        """The last warnings and errors of the log (each distinct one once: a reconnect loop repeats itself), and
        what a trap printed (its reason and the first frames of the crashed thread in Kvitt's code)."""
        lines: dict[str, str] = {}
        crash: list[str] = []
        in_crashed_thread = False
        for line in self.log_lines():
            try:
                entry = json.loads(line)
            except ValueError:
                if "runtime failure" in line or "Fatal error" in line or "Program crashed" in line:
                    crash.append(line.strip("* "))
                elif line.endswith("crashed:"):
                    in_crashed_thread = True
                elif in_crashed_thread and len(crash) < 6 and is_own_frame(line):
                    crash.append(line.strip()[:300])
                elif in_crashed_thread and not line.strip() and len(crash) > 1:
                    in_crashed_thread = False
                continue
            if entry.get("level") in ("warning", "error", "critical"):
                key = f"{entry.get('msg')}|{entry.get('error')}|{entry.get('failure.reason')}"
                lines.pop(key, None)
                lines[key] = line[:600]
        return list(lines.values())[-limit:] + crash

    def stop(self) -> None:
        stop_all([self])


def is_own_frame(line: str) -> bool:
    """A backtrace frame in Kvitt's own sources (not a dependency's, not compiler-generated)."""
    return " at /" in line and "/.build/" not in line and "<compiler-generated>" not in line


def stop_all(
    services: list[ServiceProcess], grace: float = SHUTDOWN_GRACE_SECONDS + STOP_MARGIN_SECONDS
) -> dict[str, str]:
    """SIGTERM to every service at once, SIGKILL to those still running after `grace` seconds. Returns how each
    ended (`exited with status 0`, `still running … after SIGTERM; killed`, …)."""
    for service in services:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    ended: dict[str, str] = {}
    for service in services:
        try:
            service.process.wait(max(0.0, deadline - time.monotonic()))
            ended[service.name] = service.exit_description()
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait(5)
            ended[service.name] = f"still running {grace:.0f} s after SIGTERM; killed"
    return ended


def start_services(binaries: Path, amqp_url: str, workdir: Path) -> dict[str, ServiceProcess]:
    """Starts every service and waits until each answers `/health/ready` (or gives up after 60 s)."""
    missing = [name for name in SERVICES if not (binaries / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not built in {binaries}: run `flock /tmp/kvitt-build.lock swift build` first"
        )
    started: dict[str, ServiceProcess] = {}
    for name in SERVICES:
        port = free_port()
        log_path = workdir / f"{name}.log"
        environment = dict(os.environ)
        environment.update(
            {
                "AMQP_URL": amqp_url,
                "DATABASE_PATH": str(workdir / f"{name}.sqlite"),
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(port),
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "info",
                "KVITT_ENVIRONMENT": "test",
                # Short waits, so that a message that keeps failing transiently is parked within the run.
                "RETRY_DELAYS": "200ms,400ms",
                "SHUTDOWN_GRACE": f"{SHUTDOWN_GRACE_SECONDS}s",
            }
        )
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [str(binaries / name)],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=workdir,
            )
        started[name] = ServiceProcess(name, port, process, log_path, environment.get("API_TOKEN") or None)
    try:
        wait_until_ready(started)
    except BaseException:
        stop_all(list(started.values()))
        raise
    return started


def wait_until_ready(started: dict[str, ServiceProcess], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(started)
    while waiting and time.monotonic() < deadline:
        for name in list(waiting):
            service = started[name]
            if not service.running():
                raise RuntimeError(f"{name} {service.exit_description()} at start-up: {service.problems()}")
            if service.ready():
                waiting.discard(name)
        time.sleep(0.1)
    if waiting:
        raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(sorted(waiting))}")
