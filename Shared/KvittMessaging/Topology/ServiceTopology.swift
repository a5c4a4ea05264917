import KvittAMQP
import KvittContracts

/// The broker objects one service owns, derived from its name, its handled types and its retry tiers.
///
/// - exchange `kvitt` (topic): every message, routing key = wire name;
/// - queue `<service>` (quorum): bound to each handled type, with a delivery limit as a crash-loop safety net and
///   at-least-once dead-lettering to `kvitt.dead-letter`;
/// - queues `<service>.retry.<delay>` (quorum, TTL): dead-letter back to `<service>` through the default exchange,
///   so a retry reaches no other service;
/// - exchange `kvitt.dead-letter` (direct) and queue `<service>.dead-letter`, bound with the service name.
public struct ServiceTopology: Sendable, Equatable {
    public let serviceName: String
    public let exchange: String
    public let deadLetterExchange: String
    public let messageTypes: [MessageType]
    public let retryPolicy: RetryPolicy
    /// Deliveries after which the broker itself parks a message (a handler that crashes the process every time).
    /// Kept well above the retry tiers, which do not count as redeliveries.
    public let deliveryLimit: Int

    public init(
        serviceName: String,
        messageTypes: [MessageType],
        retryPolicy: RetryPolicy = .standard,
        exchange: String = "kvitt",
        deadLetterExchange: String = "kvitt.dead-letter",
        deliveryLimit: Int = 20
    ) {
        self.serviceName = serviceName
        self.messageTypes = messageTypes
        self.retryPolicy = retryPolicy
        self.exchange = exchange
        self.deadLetterExchange = deadLetterExchange
        self.deliveryLimit = deliveryLimit
    }

    /// The service's work queue.
    public var queue: String { serviceName }
    /// Where the service's failed messages are parked.
    public var deadLetterQueue: String { "\(serviceName).dead-letter" }

    /// The wait queue for a retry delay.
    public func retryQueue(for delay: Duration) -> String { "\(serviceName).retry.\(RetryPolicy.label(delay))" }

    /// Everything to declare, in order.
    public var amqpTopology: AMQPTopology {
        let atLeastOnce: AMQPTable = ["x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"]
        var queues: [AMQPQueue] = [
            .quorum(
                queue,
                arguments: atLeastOnce.merging([
                    "x-delivery-limit": .int64(Int64(deliveryLimit)),
                    "x-dead-letter-exchange": .string(deadLetterExchange),
                    "x-dead-letter-routing-key": .string(serviceName),
                ]) { _, new in new }
            ),
            .quorum(deadLetterQueue),
        ]
        for delay in Set(retryPolicy.delays.map { RetryPolicy.label($0) }).sorted() {
            let milliseconds = retryPolicy.delays.first { RetryPolicy.label($0) == delay }!.milliseconds
            queues.append(
                .quorum(
                    "\(serviceName).retry.\(delay)",
                    arguments: atLeastOnce.merging([
                        "x-message-ttl": .int64(milliseconds),
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": .string(serviceName),
                    ]) { _, new in new }
                )
            )
        }
        return AMQPTopology(
            exchanges: [
                AMQPExchange(name: exchange, kind: .topic),
                AMQPExchange(name: deadLetterExchange, kind: .direct),
            ],
            queues: queues,
            bindings: messageTypes.map { AMQPBinding(queue: queue, exchange: exchange, routingKey: $0.rawValue) }
                + [AMQPBinding(queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: serviceName)]
        )
    }
}
