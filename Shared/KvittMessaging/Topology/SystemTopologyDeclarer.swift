import KvittAMQP
import KvittContracts
import Logging
import ServiceLifecycle
import Synchronization

/// Part of every service: at start, declares the shared topology (exchanges, the unrouted queue) and its peers'
/// work and dead-letter queues with their bindings from the catalogue, so that an event published before a peer
/// ever ran waits in the peer's queue; then keeps the `kvitt_unrouted_messages` gauge current.
///
/// The service's own queues are declared strictly by its publisher and consumer (a mismatch there is a
/// configuration fault that must stop it). Everything here belongs to someone else: a refusal (a peer's queue that
/// exists with other arguments, or a least-privilege broker user not allowed to declare it) is logged and the rest
/// goes on; `kvitt topology declare`, run with an operator's rights, declares what a service may not.
final class SystemTopologyDeclarer: Service, Sendable {
    let url: AMQPURL
    let options: AMQPSession.Options
    /// The system the service belongs to and which one it is; `nil` when its queue name does not follow the system
    /// naming (it then declares only the shared topology).
    let peers: AMQPTopology
    let shared: AMQPTopology
    let unroutedQueue: String
    let metrics: ServiceMetrics
    let logger: Logger
    let refreshInterval: Duration
    private let declared = Mutex(false)
    private let wake = WakeSignal()

    /// - Parameter options: the connection's name and the service's TLS files (``ServiceSettings/amqpOptions(connectionName:)``).
    init(
        url: AMQPURL,
        options: AMQPSession.Options,
        shared: AMQPTopology,
        peers: AMQPTopology,
        unroutedQueue: String,
        metrics: ServiceMetrics,
        refreshInterval: Duration = .seconds(15),
        logger: Logger
    ) {
        self.url = url
        self.options = options
        self.shared = shared
        self.peers = peers
        self.unroutedQueue = unroutedQueue
        self.metrics = metrics
        self.refreshInterval = refreshInterval
        self.logger = logger
        // Nothing to declare (a partition, a test's unique copy): readiness must not wait for this connection.
        if shared == AMQPTopology() && peers == AMQPTopology() { declared.withLock { $0 = true } }
    }

    /// The peers' topology of `service` in `system`: every other catalogue service's work queue, bindings and
    /// dead-letter queue.
    static func peers(of service: KvittService, in system: SystemTopology) -> AMQPTopology {
        KvittService.allCases.sorted().filter { $0 != service }.reduce(AMQPTopology()) {
            $0.merged(with: system.peerTopology($1))
        }
    }

    /// Whether the first declaration pass has run (readiness waits for it, so that nothing is published before
    /// the peers' queues exist).
    var isDeclared: Bool { declared.withLock { $0 } }

    func run() async throws {
        let stopping = StopFlag()
        let client = AMQPClient(url: url, options: options, logger: logger)
        await withGracefulShutdownHandler {
            while !stopping.isSet && !isDeclared {
                do {
                    try await declareOnce(client)
                    declared.withLock { $0 = true }
                } catch {
                    logger.warning(
                        "declaring the system topology failed; trying again",
                        metadata: ["error": "\(error)"]
                    )
                    await wake.wait(timeout: .seconds(1))
                }
            }
            while !stopping.isSet {
                await refreshUnroutedGauge(client)
                await wake.wait(timeout: refreshInterval)
            }
        } onGracefulShutdown: {
            stopping.set()
            self.wake.signal()
            // An operation waiting for a broker that is gone returns at once.
            Task { await client.stop() }
        }
        await client.stop()
    }

    private func declareOnce(_ client: AMQPClient) async throws {
        let shared = shared
        let peers = peers
        let refusals = try await client.perform { session throws(AMQPError) in
            try TolerantDeclaration.declare(shared, on: session) + TolerantDeclaration.declare(peers, on: session)
        }
        for refusal in refusals {
            // 403: a least-privilege user (compose), where `kvitt topology declare` does it; anything else deserves a
            // look (a peer's queue with other arguments keeps them, and that peer's own start will say so).
            let level: Logger.Level = refusal.contains(": 403 ") ? .info : .warning
            logger.log(level: level, "not declared (belongs to another service)", metadata: ["refused": "\(refusal)"])
        }
        logger.info(
            "system topology declared",
            metadata: ["queues": "\(shared.queues.count + peers.queues.count)", "refused": "\(refusals.count)"]
        )
    }

    /// Messages waiting in the unrouted queue; the gauge is left as it was when the queue cannot be inspected.
    private func refreshUnroutedGauge(_ client: AMQPClient) async {
        let queue = unroutedQueue
        let waiting = try? await client.perform { session throws(AMQPError) in
            try TolerantDeclaration.messageCount(of: queue, on: session)
        }
        if let waiting { metrics.unroutedMessages(Int(waiting)) }
    }
}

/// Runs a service (the outbox relay) only once the system topology is declared: an event is not published before
/// the queues of the services that consume it exist. A shutdown while it waits ends it without running the service
/// (whatever it would have sent stays where it is, in the outbox).
struct AfterSystemTopology: Service {
    let declarer: SystemTopologyDeclarer
    let service: any Service

    func run() async throws {
        let declarer = declarer
        do {
            try await cancelWhenGracefulShutdown {
                while !declarer.isDeclared {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        } catch {
            return
        }
        try await service.run()
    }
}
