import Metrics
import Synchronization

/// The service's Prometheus metrics, through swift-metrics (a no-op until the host bootstraps a factory).
///
/// Names: `kvitt_messages_consumed_total{type,outcome}`, `kvitt_messages_published_total{type}`,
/// `kvitt_messages_retried_total{type}`, `kvitt_messages_dead_lettered_total{type,reason}`,
/// `kvitt_handler_duration_seconds{type}`, `kvitt_outbox_backlog`, `kvitt_amqp_reconnects`,
/// `kvitt_amqp_refused_messages`, `kvitt_amqp_blocked` (1 while a resource alarm blocks publishing),
/// `kvitt_unrouted_messages` (messages waiting in the alternate exchange's queue `kvitt.unrouted`: the same broker-wide
/// figure from every service, read every 15 s). A `type` label is a type the service handles, or `unknown`: labels
/// never come straight from the wire.
///
/// Metric handles are made once per label and dimensions and kept: these are called for every message, and making a
/// handle goes through the factory's registry lock each time.
public final class ServiceMetrics: Sendable {
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])
    private let backlog = Gauge(label: "kvitt_outbox_backlog")
    private let reconnects = Gauge(label: "kvitt_amqp_reconnects")
    private let refused = Gauge(label: "kvitt_amqp_refused_messages")
    private let blocked = Gauge(label: "kvitt_amqp_blocked")
    private let unrouted = Gauge(label: "kvitt_unrouted_messages")

    public init() {}

    func consumed(type: String, outcome: String) {
        counter("kvitt_messages_consumed_total", [("type", type), ("outcome", outcome)]).increment()
    }

    func published(type: String, count: Int = 1) {
        counter("kvitt_messages_published_total", [("type", type)]).increment(by: count)
    }

    func retried(type: String) {
        counter("kvitt_messages_retried_total", [("type", type)]).increment()
    }

    func deadLettered(type: String, reason: String) {
        counter("kvitt_messages_dead_lettered_total", [("type", type), ("reason", reason)]).increment()
    }

    func handlerDuration(type: String, _ duration: Duration) {
        Self.cached(timers, "kvitt_handler_duration_seconds", [("type", type)], make: Timer.init)
            .record(duration: duration)
    }

    /// The broker connections' counters since start: lost sessions and failed connects (publisher and consumer), and
    /// messages the broker refused one by one. Read from the connections when metrics or readiness are asked for.
    func brokerConnections(reconnects: Int, refusedMessages: Int, blocked: Bool) {
        self.reconnects.record(reconnects)
        refused.record(refusedMessages)
        self.blocked.record(blocked ? 1 : 0)
    }

    /// Messages no queue was bound to, waiting in the unrouted queue for an operator or an outside subscriber.
    func unroutedMessages(_ count: Int) {
        unrouted.record(count)
    }

    func outboxBacklog(_ count: Int) {
        backlog.record(count)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        Self.cached(counters, label, dimensions, make: Counter.init)
    }

    /// The handle for a label and dimensions, made on first use and kept.
    private static func cached<Handle>(
        _ cache: borrowing Mutex<[String: Handle]>,
        _ label: String,
        _ dimensions: [(String, String)],
        make: (String, [(String, String)]) -> Handle
    ) -> Handle {
        let key = ([label] + dimensions.map { "\($0)=\($1)" }).joined(separator: "|")
        return cache.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make(label, dimensions)
            handles[key] = handle
            return handle
        }
    }
}
