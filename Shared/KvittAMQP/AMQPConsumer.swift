import Logging
import Synchronization

/// Consumes queues with manual acknowledgements and `basic.qos` prefetch on a dedicated connection.
///
/// Deliveries arrive on ``batches``: each batch is everything that arrived since the consumer last took one (at most
/// the prefetch count), so a consumer that is busy committing gets a bigger batch next time (group commit), handles it
/// in one database transaction and acknowledges it with one `multiple` ack. Acknowledge each (or a run of them with `multiple`) through this
/// consumer; the request is carried out on the connection thread. After a reconnect the broker redelivers
/// everything unacknowledged, and acks for deliveries of the lost connection are dropped (their tags are dead).
public final class AMQPConsumer: Sendable {
    /// The deliveries of every consumed queue, in arrival order, in batches. Iterate it from one task only.
    public let batches: DeliveryBatches
    private let role: ConsumerRole
    private let driver: AMQPConnectionDriver

    /// - Parameters:
    ///   - topology: declared on every (re)connect before consuming starts.
    ///   - queues: the queues to consume.
    ///   - prefetch: how many unacknowledged deliveries each queue's consumer may hold.
    public init(
        url: AMQPURL,
        options: AMQPSession.Options,
        topology: AMQPTopology = AMQPTopology(),
        queues: [String],
        prefetch: UInt16,
        logger: Logger
    ) {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let ready = ReadyDeliveries()
        batches = DeliveryBatches(signals: signals, ready: ready)
        role = ConsumerRole(
            queues: queues,
            prefetch: prefetch,
            ready: ready,
            continuation: continuation,
            logger: logger
        )
        driver = AMQPConnectionDriver(url: url, options: options, topology: topology, role: role, logger: logger)
        role.wake = { [driver] in driver.wake() }
        driver.start()
    }

    /// Acknowledges a delivery (and, with `multiple`, every earlier unacknowledged one).
    public func ack(_ delivery: AMQPDelivery, multiple: Bool = false) {
        role.submit(.ack(delivery.generation, delivery.deliveryTag, multiple: multiple))
    }

    /// Negatively acknowledges a delivery: requeue it, or dead-letter it through the queue's DLX.
    public func nack(_ delivery: AMQPDelivery, multiple: Bool = false, requeue: Bool) {
        role.submit(.nack(delivery.generation, delivery.deliveryTag, multiple: multiple, requeue: requeue))
    }

    /// Rejects one delivery: requeue it, or dead-letter it through the queue's DLX.
    public func reject(_ delivery: AMQPDelivery, requeue: Bool) {
        role.submit(.reject(delivery.generation, delivery.deliveryTag, requeue: requeue))
    }

    /// Stops new deliveries (`basic.cancel`) while keeping the connection open for acks.
    public func cancel() {
        role.submit(.cancel)
    }

    /// Whether the connection is up.
    public var isConnected: Bool { driver.isConnected }

    /// How many times the connection was lost or a connect failed since start.
    public var reconnects: Int { driver.reconnects }

    /// Waits until connected; throws the last connection error when that takes longer than `timeout`.
    public func waitUntilConnected(timeout: Duration = .seconds(30)) async throws {
        try await driver.waitUntilConnected(timeout: timeout)
    }

    /// Sends pending acks and closes the connection; unacknowledged deliveries go back to their queues.
    public func stop() async {
        await driver.stop()
    }
}

/// The consumer's thread-confined state.
final class ConsumerRole: AMQPConnectionRole, @unchecked Sendable {
    enum Request {
        case ack(UInt64, UInt64, multiple: Bool)
        case nack(UInt64, UInt64, multiple: Bool, requeue: Bool)
        case reject(UInt64, UInt64, requeue: Bool)
        case cancel
    }

    private let queues: [String]
    private let prefetch: UInt16
    private let continuation: AsyncStream<Void>.Continuation
    private let ready: ReadyDeliveries
    /// Deliveries read in the current burst, handed over at the next pump.
    private var burst: [AMQPDelivery] = []
    private let logger: Logger
    private let incoming = Mutex<[Request]>([])
    var wake: @Sendable () -> Void = {}
    private var generation: UInt64 = 0
    private var consumerTags: [String] = []
    private var cancelled = false

    init(
        queues: [String],
        prefetch: UInt16,
        ready: ReadyDeliveries,
        continuation: AsyncStream<Void>.Continuation,
        logger: Logger
    ) {
        self.queues = queues
        self.prefetch = prefetch
        self.ready = ready
        self.continuation = continuation
        self.logger = logger
    }

    func submit(_ request: Request) {
        incoming.withLock { $0.append(request) }
        wake()
    }

    func sessionOpened(_ session: AMQPSession, generation: UInt64) throws(AMQPError) {
        self.generation = generation
        consumerTags = []
        burst = []
        ready.dropGenerations(before: generation)
        try session.setPrefetch(prefetch)
        guard !cancelled else { return }
        for queue in queues {
            consumerTags.append(try session.consume(queue: queue))
        }
    }

    func pump(_ session: AMQPSession) throws(AMQPError) -> Bool {
        if !burst.isEmpty {
            ready.append(burst)
            burst = []
            continuation.yield()
        }
        let requests = incoming.withLock { requests in
            let taken = requests
            requests = []
            return taken
        }
        for request in requests {
            switch request {
            case .ack(let generation, let tag, let multiple) where generation == self.generation:
                try session.ack(deliveryTag: tag, multiple: multiple)
            case .nack(let generation, let tag, let multiple, let requeue) where generation == self.generation:
                try session.nack(deliveryTag: tag, multiple: multiple, requeue: requeue)
            case .reject(let generation, let tag, let requeue) where generation == self.generation:
                try session.reject(deliveryTag: tag, requeue: requeue)
            case .cancel:
                cancelled = true
                for tag in consumerTags { try session.sendCancel(consumerTag: tag) }
                consumerTags = []
            default:
                // A tag from a connection that is gone: the broker has already requeued that delivery.
                break
            }
        }
        return !requests.isEmpty
    }

    func handle(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError) {
        switch frame {
        case .deliver(let channel, let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            let (properties, body) = try session.readContent(channel: channel)
            burst.append(
                AMQPDelivery(
                    generation: generation,
                    deliveryTag: deliveryTag,
                    consumerTag: consumerTag,
                    exchange: exchange,
                    routingKey: routingKey,
                    redelivered: redelivered,
                    properties: properties,
                    body: body
                )
            )
        case .cancel(let consumerTag):
            // The broker cancelled us (queue deleted or moved): reconnect, which re-declares and re-consumes.
            throw .closedByBroker(code: 0, text: "consumer \(consumerTag) cancelled by the broker")
        case .cancelOk:
            break
        default:
            logger.debug("consumer ignored frame", metadata: ["frame": "\(frame)"])
        }
    }

    func sessionLost(_ error: AMQPError) {
        // Deliveries of a lost connection cannot be acked; the broker redelivers them.
        burst = []
    }

    func drain(_ session: AMQPSession) {
        burst = []
        _ = try? pump(session)
    }

    func stopped() {
        _ = ready.takeAll()
        continuation.finish()
    }
}

/// Deliveries received and not yet taken by the consumer's task.
final class ReadyDeliveries: Sendable {
    private let deliveries = Mutex<[AMQPDelivery]>([])

    func append(_ more: [AMQPDelivery]) {
        deliveries.withLock { $0.append(contentsOf: more) }
    }

    func takeAll() -> [AMQPDelivery] {
        deliveries.withLock { pending in
            let taken = pending
            pending = []
            return taken
        }
    }

    /// Forgets deliveries of an earlier connection: their tags cannot be acked and the broker redelivers them.
    func dropGenerations(before generation: UInt64) {
        deliveries.withLock { pending in pending.removeAll { $0.generation < generation } }
    }
}

/// The consumer's deliveries as an async sequence of batches; ends when the consumer stops.
public struct DeliveryBatches: AsyncSequence, Sendable {
    public typealias Element = [AMQPDelivery]
    let signals: AsyncStream<Void>
    let ready: ReadyDeliveries

    public struct AsyncIterator: AsyncIteratorProtocol {
        var signals: AsyncStream<Void>.AsyncIterator
        let ready: ReadyDeliveries

        public mutating func next() async -> [AMQPDelivery]? {
            while true {
                let batch = ready.takeAll()
                if !batch.isEmpty { return batch }
                // Stopping empties the buffer before the signals end: what was left belongs to a closed connection.
                guard await signals.next() != nil else { return nil }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(signals: signals.makeAsyncIterator(), ready: ready)
    }
}
