import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one AMQP connection on its own thread: connects, declares the topology, pumps a role's work, reads
/// frames, services heartbeats, and reconnects with capped exponential backoff when the broker goes away.
///
/// rabbitmq-c blocks and is not thread-safe, so nothing here runs on Swift's cooperative pool: other threads
/// hand work to the role and call ``wake()``, which interrupts the thread's `poll` through a self-pipe.
final class AMQPConnectionDriver: Sendable {
    /// Reconnect delays: start, factor 2, cap.
    struct Backoff: Sendable {
        var initial: Duration = .milliseconds(100)
        var maximum: Duration = .seconds(5)
        /// A session that lasted this long counts as healthy: the next reconnect starts from ``initial`` again.
        var stableSession: Duration = .seconds(10)
    }

    private struct Control {
        var stopRequested = false
        var connected = false
        var lastError: AMQPError?
        /// Sessions lost or connects failed since start.
        var reconnects = 0
        /// Why the broker blocked the connection (a memory or disk alarm), while it does.
        var blocked: String?
        var finished = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
        var connectWaiters: [UUID: CheckedContinuation<Void, any Error>] = [:]
    }

    let url: AMQPURL
    let options: AMQPSession.Options
    let topology: AMQPTopology
    let logger: Logger
    private let role: any AMQPConnectionRole
    private let backoff: Backoff
    /// A self-pipe: writing to it wakes the thread out of `poll`.
    private let wakeDescriptor: Int32
    private let wakeWriter: Int32
    private let control = Mutex(Control())
    /// How long the thread sleeps in `poll` when idle; bounded so that heartbeats are serviced in time.
    private let idlePoll: Duration = .milliseconds(500)

    init(
        url: AMQPURL,
        options: AMQPSession.Options,
        topology: AMQPTopology,
        role: any AMQPConnectionRole,
        backoff: Backoff = Backoff(),
        logger: Logger
    ) {
        self.url = url
        self.options = options
        self.topology = topology
        self.role = role
        self.backoff = backoff
        self.logger = logger
        var descriptors: [Int32] = [-1, -1]
        _ = pipe(&descriptors)
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        self.wakeDescriptor = descriptors[0]
        self.wakeWriter = descriptors[1]
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWriter)
    }

    /// Starts the connection thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "amqp-\(options.connectionName)"
        thread.start()
    }

    /// Interrupts the thread's wait so that it pumps new work now.
    func wake() {
        var one: UInt8 = 1
        _ = write(wakeWriter, &one, 1)
    }

    /// Whether a session is open right now.
    var isConnected: Bool { control.withLock { $0.connected } }

    /// Why the broker has blocked this connection (`connection.blocked`: a memory or disk alarm), or `nil`.
    var blockedReason: String? { control.withLock { $0.connected ? $0.blocked : nil } }

    /// How many times the connection was lost or a connect failed since start (a metric's source).
    var reconnects: Int { control.withLock { $0.reconnects } }

    /// The last connection error, if the connection is down.
    var lastError: AMQPError? { control.withLock { $0.connected ? nil : $0.lastError } }

    /// Waits until a session is open.
    /// - Throws: the last connection error (or ``AMQPError/timeout(_:)``) when none opened within `timeout`.
    func waitUntilConnected(timeout: Duration) async throws {
        let id = UUID()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = control.withLock { state -> Bool in
                if state.connected { return true }
                state.connectWaiters[id] = continuation
                return false
            }
            if ready {
                continuation.resume()
                return
            }
            // A sleeping task, not a thread: the wait itself never blocks anything.
            Task { [self] in
                try? await Task.sleep(for: timeout)
                let waiter = control.withLock { state in state.connectWaiters.removeValue(forKey: id) }
                let error = lastError ?? AMQPError.timeout("no connection to \(url) within \(timeout)")
                waiter?.resume(throwing: error)
            }
        }
    }

    /// Stops the thread after the role drained, and waits for it to exit.
    func stop() async {
        let alreadyFinished = control.withLock { state -> Bool in
            state.stopRequested = true
            return state.finished
        }
        wake()
        if alreadyFinished { return }
        await withCheckedContinuation { continuation in
            let finished = control.withLock { state -> Bool in
                if state.finished { return true }
                state.finishWaiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }

    private var stopRequested: Bool { control.withLock { $0.stopRequested } }

    private func run() {
        var delay = backoff.initial
        var generation: UInt64 = 0
        var failures = 0
        while !stopRequested {
            let session: AMQPSession
            do {
                session = try AMQPSession(url: url, options: options)
                try session.declare(topology)
                generation += 1
                try role.sessionOpened(session, generation: generation)
            } catch {
                failures += 1
                recordDisconnected(error)
                role.sessionLost(error)
                // Log the first failure and then every tenth, so that a long outage does not flood the log.
                if failures == 1 || failures % 10 == 0 {
                    logger.warning(
                        "AMQP connect failed; retrying",
                        metadata: ["amqp.url": "\(url)", "error": "\(error)", "attempt": "\(failures)"]
                    )
                }
                waitForWake(timeout: delay)
                delay = min(delay * 2, backoff.maximum)
                continue
            }
            if failures > 0 { logger.info("AMQP connected again", metadata: ["attempts": "\(failures)"]) }
            failures = 0
            recordConnected()
            let opened = ContinuousClock.now
            do {
                try serve(session)
                role.drain(session)
                session.close()
            } catch {
                session.abandon()
                recordDisconnected(error)
                role.sessionLost(error)
                logger.warning("AMQP connection lost", metadata: ["amqp.url": "\(url)", "error": "\(error)"])
                // A session that failed soon after it opened (something it sends is refused, the broker drops it at
                // once) must not turn into a tight reconnect loop: only a session that lasted resets the backoff.
                if ContinuousClock.now - opened >= backoff.stableSession { delay = backoff.initial }
                waitForWake(timeout: delay)
                delay = min(delay * 2, backoff.maximum)
            }
        }
        role.stopped()
        let waiters = control.withLock { state in
            state.finished = true
            state.connected = false
            let waiters = state.finishWaiters
            state.finishWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The session's loop: pump work, read what has arrived, and sleep in `poll` only when there is nothing to do.
    private func serve(_ session: AMQPSession) throws(AMQPError) {
        while !stopRequested {
            // Read what has arrived before writing anything: rabbitmq-c notices a missed heartbeat (a dead or frozen
            // peer) only while reading, and a write to such a peer blocks until TCP gives up.
            var busy = false
            while let frame = try session.nextFrame(timeout: .zero) {
                try dispatch(frame, session: session)
                busy = true
            }
            if try role.pump(session) { busy = true }
            // Every frame read so far has been copied out: let rabbitmq-c give its buffers back, or it keeps every
            // frame received on the connection for as long as the connection lives.
            session.releaseBuffers()
            if busy || session.hasBufferedInput { continue }
            var descriptors = [
                pollfd(fd: session.socketDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(
                &descriptors,
                2,
                Self.milliseconds(idlePoll)
            )
            drainWake()
        }
    }

    private func dispatch(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError) {
        switch frame {
        case .connectionClose(let code, let text):
            session.sendConnectionCloseOk()
            throw .closedByBroker(code: code, text: text)
        case .channelClose(let channel, let code, let text):
            session.sendChannelCloseOk(channel: channel)
            logger.warning("broker closed a channel", metadata: ["code": "\(code)", "text": "\(text)"])
            try role.channelClosed(session, channel: channel, code: code, text: text)
        case .blocked(let reason):
            logger.warning("broker blocked this connection", metadata: ["reason": "\(reason)"])
            control.withLock { $0.blocked = reason.isEmpty ? "resource alarm" : reason }
            role.blockedChanged(true)
        case .unblocked:
            logger.info("broker unblocked this connection")
            control.withLock { $0.blocked = nil }
            role.blockedChanged(false)
        default:
            try role.handle(frame, session: session)
        }
    }

    private func waitForWake(timeout: Duration) {
        var descriptor = pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Self.milliseconds(timeout))
        drainWake()
    }

    /// A duration as `poll`'s timeout argument.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: duration.milliseconds)
    }

    private func drainWake() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeDescriptor, &buffer, buffer.count) > 0 {}
    }

    private func recordConnected() {
        let waiters = control.withLock { state in
            state.connected = true
            state.blocked = nil
            state.lastError = nil
            let waiters = state.connectWaiters
            state.connectWaiters = [:]
            return waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    private func recordDisconnected(_ error: any Error) {
        control.withLock { state in
            state.reconnects += 1
            state.connected = false
            state.lastError = (error as? AMQPError) ?? .library("\(error)")
        }
    }
}
