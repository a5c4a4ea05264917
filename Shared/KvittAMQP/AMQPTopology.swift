/// An exchange to declare.
public struct AMQPExchange: Sendable, Equatable {
    public enum Kind: String, Sendable { case direct, topic, fanout, headers }
    public var name: String
    public var kind: Kind
    public var durable: Bool
    public var arguments: AMQPTable

    public init(name: String, kind: Kind, durable: Bool = true, arguments: AMQPTable = [:]) {
        self.name = name
        self.kind = kind
        self.durable = durable
        self.arguments = arguments
    }
}

/// A queue to declare. Quorum queues are durable and never exclusive or auto-delete.
public struct AMQPQueue: Sendable, Equatable {
    public var name: String
    public var durable: Bool
    public var exclusive: Bool
    public var autoDelete: Bool
    public var arguments: AMQPTable
    /// Arguments an earlier version declared the queue with, under which it still does its job. A queue's arguments
    /// change only by deleting it, messages and all; a queue that exists with one of these is used as it is, so that
    /// a rolling upgrade neither stops at `PRECONDITION_FAILED` nor loses what waits in the queue.
    public var acceptedEarlierArguments: [AMQPTable]

    public init(
        name: String,
        durable: Bool = true,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        arguments: AMQPTable = [:],
        acceptedEarlierArguments: [AMQPTable] = []
    ) {
        self.name = name
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.arguments = arguments
        self.acceptedEarlierArguments = acceptedEarlierArguments
    }

    /// A durable quorum queue with extra arguments (dead-lettering, delivery limit, TTL).
    public static func quorum(
        _ name: String,
        arguments: AMQPTable = [:],
        acceptedEarlierArguments: [AMQPTable] = []
    ) -> AMQPQueue {
        let quorum: (AMQPTable) -> AMQPTable = { $0.merging(["x-queue-type": "quorum"]) { _, new in new } }
        return AMQPQueue(
            name: name,
            arguments: quorum(arguments),
            acceptedEarlierArguments: acceptedEarlierArguments.map(quorum)
        )
    }

    /// A durable classic queue.
    public static func classic(_ name: String, arguments: AMQPTable = [:]) -> AMQPQueue {
        AMQPQueue(name: name, arguments: arguments)
    }
}

/// A binding of a queue to an exchange.
public struct AMQPBinding: Sendable, Equatable {
    public var queue: String
    public var exchange: String
    public var routingKey: String
    public var arguments: AMQPTable

    public init(queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) {
        self.queue = queue
        self.exchange = exchange
        self.routingKey = routingKey
        self.arguments = arguments
    }
}

/// Exchanges, queues and bindings that a connection declares every time it (re)connects.
public struct AMQPTopology: Sendable, Equatable {
    public var exchanges: [AMQPExchange]
    public var queues: [AMQPQueue]
    public var bindings: [AMQPBinding]

    public init(exchanges: [AMQPExchange] = [], queues: [AMQPQueue] = [], bindings: [AMQPBinding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// Both topologies, in declaration order (exchanges, then queues, then bindings).
    public func merged(with other: AMQPTopology) -> AMQPTopology {
        AMQPTopology(
            exchanges: exchanges + other.exchanges,
            queues: queues + other.queues,
            bindings: bindings + other.bindings
        )
    }
}
