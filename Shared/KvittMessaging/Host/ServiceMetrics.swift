import Metrics

/// The service's Prometheus metrics, through swift-metrics (a no-op until the host bootstraps a factory).
///
/// Names: `kvitt_messages_consumed_total{type,outcome}`, `kvitt_messages_published_total{type}`,
/// `kvitt_messages_retried_total{type}`, `kvitt_messages_dead_lettered_total{type,reason}`,
/// `kvitt_handler_duration_seconds{type}`, `kvitt_outbox_backlog`.
public struct ServiceMetrics: Sendable {
    public init() {}

    func consumed(type: String, outcome: String) {
        Counter(label: "kvitt_messages_consumed_total", dimensions: [("type", type), ("outcome", outcome)]).increment()
    }

    func published(type: String, count: Int = 1) {
        Counter(label: "kvitt_messages_published_total", dimensions: [("type", type)]).increment(by: count)
    }

    func retried(type: String) {
        Counter(label: "kvitt_messages_retried_total", dimensions: [("type", type)]).increment()
    }

    func deadLettered(type: String, reason: String) {
        Counter(label: "kvitt_messages_dead_lettered_total", dimensions: [("type", type), ("reason", reason)])
            .increment()
    }

    func handlerDuration(type: String, _ duration: Duration) {
        Timer(label: "kvitt_handler_duration_seconds", dimensions: [("type", type)]).record(duration: duration)
    }

    func outboxBacklog(_ count: Int) {
        Gauge(label: "kvitt_outbox_backlog").record(count)
    }
}
