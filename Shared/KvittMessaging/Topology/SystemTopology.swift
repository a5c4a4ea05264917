import KvittAMQP
import KvittContracts
import Logging

/// The whole system's broker topology, derived from ``MessageCatalogue``: what `kvitt topology declare` declares
/// before the services start, and what every service declares at its own start, so that no event is lost for want
/// of a binding whatever the start order.
///
/// - exchange `kvitt` (topic) and `kvitt.dead-letter` (direct), as in ``ServiceTopology`` (whose own topology also
///   brings `kvitt.retry`, the way into and out of its wait queues);
/// - per service in the catalogue: its work queue bound to every type the catalogue lists for it, its dead-letter
///   queue, and (for the service itself only) its wait queues;
/// - exchange `kvitt.unrouted` (fanout) and the durable quorum queue `kvitt.unrouted` bound to it: the alternate
///   exchange of `kvitt` (set by the broker policy in `docs/topology.md`) catches what no queue is bound to.
///
/// A second Kvitt system on the same broker (a staging copy, a test) uses its own exchange `E`, its own alternate
/// exchange `E.unrouted`, and either the catalogue's queue names or all of them with the suffix `-E`.
public struct SystemTopology: Sendable, Equatable {
    public let exchange: String
    public let deadLetterExchange: String
    public let retryPolicy: RetryPolicy
    public let deliveryLimit: Int
    /// Appended to every catalogue name: empty, or `-<exchange>` for a second system on the same broker.
    public let queueSuffix: String

    public init(
        exchange: String = "kvitt",
        deadLetterExchange: String = "kvitt.dead-letter",
        retryPolicy: RetryPolicy = .standard,
        deliveryLimit: Int = 20,
        queueSuffix: String = ""
    ) {
        self.exchange = exchange
        self.deadLetterExchange = deadLetterExchange
        self.retryPolicy = retryPolicy
        self.deliveryLimit = deliveryLimit
        self.queueSuffix = queueSuffix
    }

    /// The system a running service belongs to, when its queue name follows the naming above: `service` itself, or
    /// `service-<exchange>`. `nil` for any other name (a partition `payment-matching.p3`, a test's unique copy): its
    /// peers' names are unknown, so it declares only its own queues.
    public static func of(
        _ service: KvittService,
        queueName: String,
        exchange: String,
        deadLetterExchange: String,
        retryPolicy: RetryPolicy,
        deliveryLimit: Int
    ) -> SystemTopology? {
        let suffix: String
        if queueName == service.rawValue {
            suffix = ""
        } else if queueName == "\(service.rawValue)-\(exchange)" {
            suffix = "-\(exchange)"
        } else {
            return nil
        }
        return SystemTopology(
            exchange: exchange,
            deadLetterExchange: deadLetterExchange,
            retryPolicy: retryPolicy,
            deliveryLimit: deliveryLimit,
            queueSuffix: suffix
        )
    }

    /// The alternate exchange of ``exchange``, and the queue bound to it (same name).
    public var unroutedExchange: String { Self.unroutedExchange(of: exchange) }

    /// `<exchange>.unrouted`.
    public static func unroutedExchange(of exchange: String) -> String { "\(exchange).unrouted" }

    /// The queue name of a service in this system.
    public func queueName(of service: KvittService) -> String { service.rawValue + queueSuffix }

    /// A service's own topology as it declares it (work, wait and dead-letter queues), bound to what the catalogue
    /// lists for it.
    public func serviceTopology(_ service: KvittService) -> ServiceTopology {
        ServiceTopology(
            serviceName: queueName(of: service),
            messageTypes: service.consumedTypes,
            retryPolicy: retryPolicy,
            exchange: exchange,
            deadLetterExchange: deadLetterExchange,
            deliveryLimit: deliveryLimit
        )
    }

    /// The exchanges and the unrouted queue: what every declarer shares.
    public var sharedTopology: AMQPTopology {
        AMQPTopology(
            exchanges: [
                AMQPExchange(name: exchange, kind: .topic),
                AMQPExchange(name: deadLetterExchange, kind: .direct),
                AMQPExchange(name: unroutedExchange, kind: .fanout),
            ],
            queues: [.quorum(unroutedExchange)],
            bindings: [AMQPBinding(queue: unroutedExchange, exchange: unroutedExchange, routingKey: "")]
        )
    }

    /// What another service declares for `service`: its work queue with its bindings, and its dead-letter queue (the
    /// work queue dead-letters there when its delivery limit is reached). Not its wait queues: only the service
    /// itself publishes into them, and their TTLs come from its own `RETRY_DELAYS`.
    public func peerTopology(_ service: KvittService) -> AMQPTopology {
        let own = serviceTopology(service)
        let full = own.amqpTopology
        let declared: Set<String> = [own.queue, own.deadLetterQueue]
        return AMQPTopology(
            exchanges: [],
            queues: full.queues.filter { declared.contains($0.name) },
            // Not its binding to the retry exchange: only its own retries come back through it, and it binds that
            // itself at its start.
            bindings: full.bindings.filter { declared.contains($0.queue) && $0.exchange != own.retryExchange }
        )
    }

    /// Everything, for `kvitt topology declare`: the shared part and every service's full topology.
    public var everything: [(service: KvittService, topology: AMQPTopology)] {
        KvittService.allCases.sorted().map { ($0, serviceTopology($0).amqpTopology) }
    }
}

/// Declares topology that belongs to someone else, where a refusal must not stop the declarer.
public enum TolerantDeclaration {
    /// Channel-level refusals: access refused (a least-privilege broker user), not found (a binding whose queue was
    /// refused), precondition failed (a queue that exists with other arguments, e.g. another delivery limit).
    static let softCodes: Set<UInt16> = [403, 404, 405, 406]

    /// Declares each exchange, queue and binding on its own; a soft refusal is reported and the channel reopened for
    /// the next one. Returns the refusals, one line each.
    /// - Throws: anything else (the connection is gone).
    public static func declare(_ topology: AMQPTopology, on session: AMQPSession) throws(AMQPError) -> [String] {
        var refusals: [String] = []
        func attempt(_ what: String, _ body: () throws(AMQPError) -> Void) throws(AMQPError) {
            do throws(AMQPError) {
                try body()
            } catch .closedByBroker(let code, let text) where softCodes.contains(code) {
                refusals.append("\(what): \(code) \(text)")
                try session.reopenChannel()
            } catch {
                throw error
            }
        }
        for exchange in topology.exchanges {
            try attempt("exchange \(exchange.name)") { () throws(AMQPError) in try session.declare(exchange) }
        }
        for queue in topology.queues {
            try attempt("queue \(queue.name)") { () throws(AMQPError) in try session.declare(queue) }
        }
        for binding in topology.bindings {
            try attempt("binding \(binding.queue) ← \(binding.exchange) \(binding.routingKey)") {
                () throws(AMQPError) in
                try session.bind(binding)
            }
        }
        return refusals
    }

    /// Ready messages in a queue, or `nil` when it does not exist or may not be inspected (the channel is reopened).
    public static func messageCount(of queue: String, on session: AMQPSession) throws(AMQPError) -> UInt32? {
        do throws(AMQPError) {
            return try session.declare(AMQPQueue(name: queue), passive: true).messages
        } catch .closedByBroker(let code, _) where softCodes.contains(code) {
            try session.reopenChannel()
            return nil
        } catch {
            throw error
        }
    }
}
