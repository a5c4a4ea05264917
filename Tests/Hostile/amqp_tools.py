"""AMQP helpers for the hostile-input suite: an outside publisher (pika), raw field values pika would not write,
an observer that records everything the services publish and park, and the broker's command line."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pika.data
from pika.exchange_type import ExchangeType

REPOSITORY = Path(__file__).resolve().parents[2]
EXCHANGE = "kvitt"
DEAD_LETTER_EXCHANGE = "kvitt.dead-letter"
BUNDLE_CONTENT_TYPE = "application/vnd.kvitt.bundle"
BUNDLE_COUNT_HEADER = "kvitt-bundle-count"
CAUSATION_HEADER = "causation-id"
FAILURE_REASON_HEADER = "x-kvitt-failure-reason"
FAILURE_DETAIL_HEADER = "x-kvitt-failure-detail"


# --- raw field values -------------------------------------------------------------------------------------------


class RawField:
    """A field-table value written exactly as given: a type tag and its encoded bytes. pika writes only valid UTF-8
    long strings and signed timestamps; a hostile publisher writes whatever it likes."""

    def __init__(self, tag: bytes, payload: bytes):
        self.tag = tag
        self.payload = payload

    @classmethod
    def long_string(cls, raw: bytes) -> "RawField":
        """A long string (`S`) whose bytes need not be UTF-8."""
        return cls(b"S", struct.pack(">I", len(raw)) + raw)

    @classmethod
    def timestamp(cls, seconds: int) -> "RawField":
        """A timestamp (`T`), any unsigned 64-bit value."""
        return cls(b"T", struct.pack(">Q", seconds))

    @classmethod
    def signed_64(cls, value: int) -> "RawField":
        """A signed 64-bit integer (`l`) even when it is small (pika picks `I` for those)."""
        return cls(b"l", struct.pack(">q", value))


_pika_encode_value = pika.data.encode_value


def _encode_value(pieces: list, value: Any) -> int:
    if isinstance(value, RawField):
        pieces.append(value.tag + value.payload)
        return len(value.tag) + len(value.payload)
    return _pika_encode_value(pieces, value)


_pika_decode_value = pika.data.decode_value


def _decode_value(encoded: bytes, offset: int):
    # A timestamp beyond what Python's datetime holds (2^64 - 1, which the suite itself sends) is kept as its number.
    if encoded[offset : offset + 1] == b"T":
        (seconds,) = struct.unpack_from(">Q", encoded, offset + 1)
        try:
            return _pika_decode_value(encoded, offset)
        except (OverflowError, ValueError, OSError):
            return seconds, offset + 9
    return _pika_decode_value(encoded, offset)


# pika's table coders look these functions up in their module on every value, nested tables and arrays included.
pika.data.encode_value = _encode_value
pika.data.decode_value = _decode_value


# --- connections ------------------------------------------------------------------------------------------------


def amqp_url() -> str:
    return os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def url_with_user(url: str, user: str, password: str) -> str:
    """The same broker address with other credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def connect(url: str) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.heartbeat = 0
    parameters.blocked_connection_timeout = 60
    parameters.connection_attempts = 3
    parameters.retry_delay = 0.5
    return pika.BlockingConnection(parameters)


def broker_ctl(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """`rabbitmqctl` on the suite's node, through scripts/broker.sh (which honours KVITT_BROKER_NODE)."""
    return subprocess.run(
        [str(REPOSITORY / "scripts" / "broker.sh"), "ctl", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def ensure_broker_user(user: str, password: str) -> None:
    """A broker user with full rights on vhost `/`, as an upstream system (an ERP) would have its own."""
    added = broker_ctl("add_user", user, password, check=False)
    if added.returncode != 0:
        if "already exists" not in (added.stderr + added.stdout):
            raise RuntimeError(f"rabbitmqctl add_user {user} failed: {added.stderr.strip() or added.stdout.strip()}")
        broker_ctl("change_password", user, password)
    broker_ctl("set_permissions", "-p", "/", user, ".*", ".*", ".*")


def delete_service_queues(url: str, services: tuple[str, ...]) -> list[str]:
    """Deletes the services' work, wait and dead-letter queues left by an earlier run, so that its messages do not
    meet this run's services (the services declare them again at start). Only for a node of the suite's own."""
    listed = broker_ctl("list_queues", "-p", "/", "--formatter", "json", "name")
    names = [row["name"] for row in json.loads(listed.stdout)]
    doomed = [name for name in names if any(name == service or name.startswith(service + ".") for service in services)]
    if doomed:
        connection = connect(url)
        channel = connection.channel()
        for name in doomed:
            channel.queue_delete(name)
        connection.close()
    return doomed


def queue_messages() -> dict[str, int]:
    """Queue → its messages, ready and delivered but not yet acknowledged."""
    listed = broker_ctl("list_queues", "-p", "/", "--formatter", "json", "name", "messages")
    return {row["name"]: int(row["messages"]) for row in json.loads(listed.stdout)}


def queue_bindings() -> dict[str, set[str]]:
    """Routing key → the queues bound to it on the `kvitt` exchange."""
    listed = broker_ctl(
        "list_bindings", "-p", "/", "--formatter", "json", "source_name", "destination_name", "routing_key"
    )
    bindings: dict[str, set[str]] = {}
    for row in json.loads(listed.stdout):
        if row["source_name"] == EXCHANGE:
            bindings.setdefault(row["routing_key"], set()).add(row["destination_name"])
    return bindings


# --- messages ---------------------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message as the hostile publisher sends it."""

    routing_key: str
    body: bytes
    properties: dict[str, Any] = field(default_factory=dict)
    exchange: str = EXCHANGE
    #: Publish as this broker user (`erp`) instead of the default one.
    user: str | None = None
    #: The message ids to account for, when not the message's own (a bundle's messages).
    account_ids: list[str] | None = None

    def basic_properties(self) -> pika.BasicProperties:
        return pika.BasicProperties(**self.properties)


@dataclass
class Observed:
    """A message the observer saw: on `kvitt` (what a service published) or `kvitt.dead-letter` (a parked copy)."""

    exchange: str
    routing_key: str
    properties: pika.BasicProperties
    body: bytes
    at: float

    @property
    def headers(self) -> dict:
        return self.properties.headers or {}

    @property
    def message_id(self) -> Any:
        return self.properties.message_id

    @property
    def app_id(self) -> str | None:
        return self.properties.app_id

    @property
    def type(self) -> str | None:
        return self.properties.type


@dataclass
class Event:
    """One message a service published, unbundled: its own message id and JSON body, the envelope it shares."""

    service: str
    type: str
    message_id: str
    causation_id: str | None
    correlation_id: str | None
    body: Any
    at: float


def unbundle(body: bytes) -> list[tuple[str, bytes]]:
    """The (message id, body) pairs of a bundle: each a 4-byte big-endian length and the id, then a length and the
    body."""
    entries = []
    offset = 0
    while offset < len(body):
        (id_length,) = struct.unpack_from(">I", body, offset)
        message_id = body[offset + 4 : offset + 4 + id_length].decode("utf-8")
        offset += 4 + id_length
        (body_length,) = struct.unpack_from(">I", body, offset)
        entries.append((message_id, body[offset + 4 : offset + 4 + body_length]))
        offset += 4 + body_length
    return entries


def bundle(entries: list[tuple[str, bytes]]) -> bytes:
    out = b""
    for message_id, body in entries:
        encoded = message_id.encode("utf-8")
        out += struct.pack(">I", len(encoded)) + encoded + struct.pack(">I", len(body)) + body
    return out


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


class Observer:
    """Records every message published to `kvitt` and every copy parked through `kvitt.dead-letter`, from an
    exclusive queue of its own, on a thread with its own connection (pika's connections are not thread-safe)."""

    def __init__(self, url: str, services: tuple[str, ...]):
        self.url = url
        self.services = services
        self.lock = threading.Lock()
        self.observed: list[Observed] = []
        self.events: list[Event] = []
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="observer", daemon=True)

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError(f"observer did not start: {self.error!r}")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)

    def _run(self) -> None:
        try:
            connection = connect(self.url)
            channel = connection.channel()
            channel.exchange_declare(EXCHANGE, ExchangeType.topic, durable=True, passive=True)
            channel.exchange_declare(DEAD_LETTER_EXCHANGE, ExchangeType.direct, durable=True, passive=True)
            queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
            channel.queue_bind(queue, EXCHANGE, "#")
            for service in self.services:
                channel.queue_bind(queue, DEAD_LETTER_EXCHANGE, service)
            channel.basic_consume(queue, self._deliver, auto_ack=True)
            self.ready.set()
            while not self.stopping.is_set():
                connection.process_data_events(time_limit=0.2)
            connection.close()
        except BaseException as error:  # noqa: BLE001 - reported to the suite, which fails with it
            self.error = error
            self.ready.set()

    def _deliver(self, _channel, method, properties, body) -> None:
        now = time.monotonic()
        observed = Observed(method.exchange, method.routing_key, properties, body, now)
        events = []
        if method.exchange == EXCHANGE and properties.app_id in self.services:
            events = self._events(observed)
        with self.lock:
            self.observed.append(observed)
            self.events.extend(events)

    @staticmethod
    def _events(observed: Observed) -> list[Event]:
        properties = observed.properties
        causation = text(observed.headers.get(CAUSATION_HEADER))
        if properties.content_type == BUNDLE_CONTENT_TYPE:
            parts = unbundle(observed.body)
        else:
            parts = [(text(properties.message_id) or "", observed.body)]
        events = []
        for message_id, body in parts:
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = None
            events.append(
                Event(
                    service=properties.app_id,
                    type=properties.type or "",
                    message_id=message_id,
                    causation_id=causation,
                    correlation_id=text(properties.correlation_id),
                    body=decoded,
                    at=observed.at,
                )
            )
        return events

    def snapshot(self) -> tuple[list[Observed], list[Event]]:
        with self.lock:
            return list(self.observed), list(self.events)

    def wait_for_event(
        self, matches: Callable[[Event], bool], timeout: float, since: float = 0.0
    ) -> Event | None:
        """The first event after `since` (monotonic) that matches, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.error:
                raise RuntimeError(f"observer failed: {self.error!r}")
            _, events = self.snapshot()
            for event in events:
                if event.at >= since and matches(event):
                    return event
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)


class Publisher:
    """Publishes with confirms and `mandatory`, so that every hostile message is known to have reached a queue."""

    def __init__(self, url: str, user_urls: dict[str, str]):
        self.url = url
        self.user_urls = user_urls
        self.channels: dict[str | None, Any] = {}
        self.connections: list[pika.BlockingConnection] = []

    def _channel(self, user: str | None):
        if user not in self.channels:
            connection = connect(self.url if user is None else self.user_urls[user])
            channel = connection.channel()
            channel.confirm_delivery()
            self.connections.append(connection)
            self.channels[user] = channel
        return self.channels[user]

    def publish(self, message: Outgoing) -> None:
        channel = self._channel(message.user)
        channel.basic_publish(
            exchange=message.exchange,
            routing_key=message.routing_key,
            body=message.body,
            properties=message.basic_properties(),
            mandatory=True,
        )

    def queue_depth(self, queue: str) -> int:
        """Ready messages in a queue (not those delivered and unacknowledged)."""
        return self._channel(None).queue_declare(queue, passive=True).method.message_count

    def drain(self, queue: str) -> list[Observed]:
        """Takes every message out of a queue (the dead-letter queues, once the barrage has settled)."""
        channel = self._channel(None)
        taken = []
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return taken
            taken.append(Observed(method.exchange, method.routing_key, properties, body, time.monotonic()))

    def close(self) -> None:
        for connection in self.connections:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing after the broker already closed it is harmless
                pass

    def reset(self) -> None:
        """Closes every connection (after the broker closed a channel); the next publish opens new ones."""
        self.close()
        self.channels.clear()
        self.connections.clear()
