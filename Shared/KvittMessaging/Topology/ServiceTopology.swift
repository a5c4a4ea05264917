import KvittAMQP
import KvittContracts

/// The broker objects one service owns, derived from its name, its handled types and its retry tiers.
///
/// - exchange `kvitt` (topic): every message, routing key = wire name;
/// - queue `<service>` (quorum): bound to each handled type, with a delivery limit as a crash-loop safety net and
///   at-least-once dead-lettering to `kvitt.dead-letter`;
/// - exchange `kvitt.retry` (topic): the way into the wait queues and back. Each wait queue
///   `<service>.retry.<delay>` (quorum, TTL) is bound with its own name, and dead-letters back with the routing key
///   `<service>`, with which the work queue is bound; a retry reaches no other service, and no service needs write
///   on the default exchange (where RabbitMQ cannot tell one queue from another). Topic permissions on `kvitt.retry`
///   keep each service to its own wait queues (`docs/security.md`);
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
    /// The exchange retries go through to the wait queues, and come back from them: `<exchange>.retry`.
    public var retryExchange: String { Self.retryExchange(of: exchange) }

    /// `<exchange>.retry`.
    public static func retryExchange(of exchange: String) -> String { "\(exchange).retry" }
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
        var waitQueues: [String] = []
        for delay in Set(retryPolicy.delays.map { RetryPolicy.label($0) }).sorted() {
            let milliseconds = retryPolicy.delays.first { RetryPolicy.label($0) == delay }!.milliseconds
            let name = "\(serviceName).retry.\(delay)"
            waitQueues.append(name)
            let waiting = atLeastOnce.merging(["x-message-ttl": .int64(milliseconds)]) { _, new in new }
            queues.append(
                .quorum(
                    name,
                    arguments: waiting.merging([
                        "x-dead-letter-exchange": .string(retryExchange),
                        "x-dead-letter-routing-key": .string(serviceName),
                    ]) { _, new in new },
                    // Before the retry exchange, wait queues dead-lettered through the default exchange. Such a queue
                    // still brings its messages back to the work queue (the broker's own dead-lettering needs no
                    // permission), and is bound to the retry exchange like a new one.
                    acceptedEarlierArguments: [
                        waiting.merging([
                            "x-dead-letter-exchange": "",
                            "x-dead-letter-routing-key": .string(serviceName),
                        ]) { _, new in new }
                    ]
                )
            )
        }
        return AMQPTopology(
            exchanges: [
                AMQPExchange(name: exchange, kind: .topic),
                AMQPExchange(name: deadLetterExchange, kind: .direct),
                AMQPExchange(name: retryExchange, kind: .topic),
            ],
            queues: queues,
            bindings: messageTypes.map { AMQPBinding(queue: queue, exchange: exchange, routingKey: $0.rawValue) }
                + [AMQPBinding(queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: serviceName)]
                + [AMQPBinding(queue: queue, exchange: retryExchange, routingKey: serviceName)]
                + waitQueues.map { AMQPBinding(queue: $0, exchange: retryExchange, routingKey: $0) }
        )
    }
}
