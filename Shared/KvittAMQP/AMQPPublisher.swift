import Foundation
import Logging
import Synchronization

/// Publishes with publisher confirms on a dedicated connection.
///
/// Publishes are pipelined: up to `window` messages are unconfirmed at once, and `basic.ack` with `multiple`
/// confirms a run of them. Each call returns when its messages are confirmed (`.success`), refused by the broker
/// (``AMQPError/nacked``), or returned as unroutable (``AMQPError/unroutable(code:text:)``, `mandatory` is set).
/// After a lost connection every unconfirmed message is sent again in order, so consumers must deduplicate.
public final class AMQPPublisher: Sendable {
    private let role: PublisherRole
    private let driver: AMQPConnectionDriver

    /// - Parameters:
    ///   - topology: declared on every (re)connect before anything is published.
    ///   - window: how many messages may be unconfirmed at once.
    public init(
        url: AMQPURL,
        options: AMQPSession.Options,
        topology: AMQPTopology = AMQPTopology(),
        window: Int = 1000,
        logger: Logger
    ) {
        role = PublisherRole(window: max(1, window), logger: logger)
        driver = AMQPConnectionDriver(url: url, options: options, topology: topology, role: role, logger: logger)
        role.wake = { [driver] in driver.wake() }
        driver.start()
    }

    /// Publishes one message and waits for the broker's confirm.
    public func publish(_ message: AMQPOutgoingMessage) async throws(AMQPError) {
        try await publish(batch: [message])[0].get()
    }

    /// Publishes messages in order and waits until each is confirmed, refused or returned.
    public func publish(batch messages: [AMQPOutgoingMessage]) async -> [Result<Void, AMQPError>] {
        guard !messages.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let completion = PublishCompletion(count: messages.count, continuation: continuation)
            role.submit(
                messages.enumerated().map { PublisherRole.Request(message: $1, completion: completion, index: $0) }
            )
        }
    }

    /// Whether the connection is up.
    public var isConnected: Bool { driver.isConnected }

    /// How many times the connection was lost or a connect failed since start.
    public var reconnects: Int { driver.reconnects }

    /// Why the broker blocks publishing on this connection (a memory or disk alarm), or `nil`.
    public var blockedReason: String? { driver.blockedReason }

    /// How many messages were refused one by one (``AMQPError/refused(code:text:)``) since start.
    public var refusedMessages: Int { role.refusedCount }

    /// The last connection error while the connection is down.
    public var lastError: AMQPError? { driver.lastError }

    /// Waits until connected; throws the last connection error when that takes longer than `timeout`.
    public func waitUntilConnected(timeout: Duration = .seconds(30)) async throws {
        try await driver.waitUntilConnected(timeout: timeout)
    }

    /// Waits a short while for outstanding confirms, then closes. Unconfirmed messages fail with ``AMQPError/shutdown``.
    public func stop() async {
        await driver.stop()
    }
}

/// Collects the results of one batch and resumes its caller when the last one is in.
final class PublishCompletion: Sendable {
    private struct State {
        var results: [Result<Void, AMQPError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    func complete(_ index: Int, _ result: Result<Void, AMQPError>) {
        let finished = state.withLock {
            state -> (CheckedContinuation<[Result<Void, AMQPError>], Never>, [Result<Void, AMQPError>])? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }
}

/// The publisher's thread-confined state: queued, in-flight (unconfirmed) and returned messages.
final class PublisherRole: AMQPConnectionRole, @unchecked Sendable {
    struct Request {
        let message: AMQPOutgoingMessage
        let completion: PublishCompletion
        let index: Int
        /// When it was handed over: while the broker blocks publishing, a message waits at most
        /// ``PublisherRole/blockedWaitLimit`` before its caller hears so.
        var submitted = ContinuousClock.now
        /// How many times the broker refused it with `basic.nack` so far.
        var nacks = 0
        /// Whether the broker answered it alone with 404 NOT_FOUND once already (see ``PublisherRole/reconnectFirst``).
        var notFoundOnce = false
    }

    /// A nack means the broker could not take the message right then (a quorum queue electing its leader, an
    /// internal error); it is sent again this many times before the caller sees ``AMQPError/nacked``.
    static let nackRetries = 3

    private struct InFlight {
        let tag: UInt64
        var request: Request
        var returned: AMQPError?
    }

    /// Reply codes with which the broker closes a channel or the connection over one message it was sent: 403
    /// ACCESS_REFUSED, 404 NOT_FOUND, 406 PRECONDITION_FAILED (a `user_id` that is not the connection's user, a
    /// body over the broker's maximum), 501-505 (a frame the broker could not take), 530 NOT_ALLOWED.
    static let refusalCodes: Set<UInt16> = [403, 404, 406, 501, 502, 503, 504, 505, 530]
    /// 404 NOT_FOUND: the exchange is missing. A reconnect declares the topology again, so the message alone in flight
    /// is refused only if it meets 404 a second time.
    static let reconnectFirst: UInt16 = 404

    private let window: Int
    private let logger: Logger
    /// While positive, messages go out one at a time: a refusal closed the channel with several unconfirmed, and
    /// sending them singly shows which one the broker refuses (and lets every other one through).
    private var isolating = 0
    /// While the broker blocks publishing (a resource alarm) nothing is written: the broker stops reading the socket,
    /// and a write would block the connection thread (and its heartbeats) until the alarm clears.
    private var blocked = false
    /// How long a message waits while publishing is blocked before it fails with ``AMQPError/timeout(_:)``; callers
    /// keep what they publish (the outbox row stays pending) and try again later.
    static let blockedWaitLimit: Duration = .seconds(30)
    private let refused = Atomic<Int>(0)
    var refusedCount: Int { refused.load(ordering: .relaxed) }
    /// Requests handed over by other threads; everything below is touched only on the connection thread.
    private let incoming = Mutex<[Request]>([])
    private let acceptingWork = Mutex(true)
    var wake: @Sendable () -> Void = {}
    private var queued: [Request] = []
    private var queuedHead = 0
    private var inFlight: [InFlight] = []
    private var nextTag: UInt64 = 1
    /// How long ``drain(_:)`` waits for the last confirms on shutdown.
    private let drainTimeout: Duration = .seconds(5)

    init(window: Int, logger: Logger) {
        self.window = window
        self.logger = logger
    }

    func submit(_ requests: [Request]) {
        let accepted = acceptingWork.withLock { accepting in
            if accepting { incoming.withLock { $0.append(contentsOf: requests) } }
            return accepting
        }
        if accepted {
            wake()
        } else {
            for request in requests { request.completion.complete(request.index, .failure(.shutdown)) }
        }
    }

    func sessionOpened(_ session: AMQPSession, generation: UInt64) throws(AMQPError) {
        blocked = false
        try session.enableConfirms()
        nextTag = 1
        if !inFlight.isEmpty {
            logger.info("re-sending unconfirmed messages after reconnect", metadata: ["count": "\(inFlight.count)"])
            sendFirst(inFlight.map(\.request))
            inFlight = []
        }
    }

    func pump(_ session: AMQPSession) throws(AMQPError) -> Bool {
        let fresh = incoming.withLock { requests in
            let taken = requests
            requests = []
            return taken
        }
        if !fresh.isEmpty {
            queued.append(contentsOf: fresh)
        }
        var published = false
        if blocked {
            failOverdue()
            return false
        }
        let limit = isolating > 0 ? 1 : window
        while inFlight.count < limit, queuedHead < queued.count {
            let request = queued[queuedHead]
            do {
                try session.publish(request.message)
            } catch .refused(let code, let text) {
                // Checked before anything was written: this message alone fails, the connection is fine.
                queuedHead += 1
                refuse(request, code: code, text: text)
                continue
            }
            queuedHead += 1
            inFlight.append(InFlight(tag: nextTag, request: request))
            nextTag += 1
            published = true
        }
        if queuedHead > 1024, queuedHead * 2 > queued.count {
            queued.removeFirst(queuedHead)
            queuedHead = 0
        }
        return published
    }

    func handle(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError) {
        switch frame {
        case .ack(let tag, let multiple):
            let settled = settle(upTo: tag, multiple: multiple) { $0.returned.map { .failure($0) } ?? .success(()) }
            isolating = max(0, isolating - settled)
        case .nack(let tag, let multiple):
            var again: [Request] = []
            for entry in take(upTo: tag, multiple: multiple) {
                var request = entry.request
                request.nacks += 1
                if request.nacks > Self.nackRetries {
                    request.completion.complete(request.index, .failure(.nacked))
                } else {
                    again.append(request)
                }
            }
            if !again.isEmpty {
                logger.warning(
                    "broker refused messages (basic.nack); sending them again",
                    metadata: ["count": "\(again.count)"]
                )
                sendFirst(again)
            }
        case .basicReturn(let channel, let code, let text, _, let routingKey):
            let (properties, _) = try session.readContent(channel: channel)
            // A return carries no delivery tag, but it precedes the ack of its message and returns arrive in
            // publish order: the first unreturned in-flight message with the same id and key is the one.
            if let index = inFlight.firstIndex(where: {
                $0.returned == nil && $0.request.message.properties.messageID == properties.messageID
                    && $0.request.message.routingKey == routingKey
            }) {
                inFlight[index].returned = .unroutable(code: code, text: text)
            }
        default:
            logger.debug("publisher ignored frame", metadata: ["frame": "\(frame)"])
        }
    }

    func blockedChanged(_ blocked: Bool) {
        self.blocked = blocked
    }

    /// While blocked: fails the queued messages that have waited longer than ``blockedWaitLimit``.
    private func failOverdue() {
        let now = ContinuousClock.now
        guard queuedHead < queued.count, now - queued[queuedHead].submitted >= Self.blockedWaitLimit else { return }
        var waiting: [Request] = []
        for request in queued[queuedHead...] {
            if now - request.submitted >= Self.blockedWaitLimit {
                request.completion.complete(
                    request.index,
                    .failure(.timeout("publishing blocked by the broker (resource alarm) for \(Self.blockedWaitLimit)"))
                )
            } else {
                waiting.append(request)
            }
        }
        queued = waiting
        queuedHead = 0
    }

    /// Completes the in-flight messages an ack covers; returns how many.
    private func settle(upTo tag: UInt64, multiple: Bool, result: (InFlight) -> Result<Void, AMQPError>) -> Int {
        let entries = take(upTo: tag, multiple: multiple)
        for entry in entries {
            entry.request.completion.complete(entry.request.index, result(entry))
        }
        return entries.count
    }

    private func refuse(_ request: Request, code: UInt16, text: String) {
        refused.add(1, ordering: .relaxed)
        logger.error(
            "message refused; it is not sent again",
            metadata: [
                "message.id": "\(request.message.properties.messageID ?? "-")",
                "message.type": "\(request.message.properties.type ?? "-")", "code": "\(code)", "reason": "\(text)",
            ]
        )
        request.completion.complete(request.index, .failure(.refused(code: code, text: text)))
    }

    /// The broker closed the channel or the connection over a message it was sent. With one message unconfirmed
    /// that message is the one: it fails with the broker's reason instead of being sent again after every
    /// reconnect (which would stop everything behind it for ever). With several, they go again one at a time.
    /// Returns whether it was a refusal.
    private func attributeRefusal(code: UInt16, text: String) -> Bool {
        guard Self.refusalCodes.contains(code), !inFlight.isEmpty else { return false }
        if inFlight.count == 1 {
            // An exchange that is missing may have been deleted under a running service: a reconnect declares the
            // topology again, and only a message that is refused alone after that is refused for good.
            if code == Self.reconnectFirst && !inFlight[0].request.notFoundOnce {
                inFlight[0].request.notFoundOnce = true
                return false
            }
            refuse(inFlight.removeFirst().request, code: code, text: text)
            isolating = max(0, isolating - 1)
        } else {
            isolating = inFlight.count
            logger.warning(
                "broker refused one of several unconfirmed messages; sending them one at a time",
                metadata: ["count": "\(inFlight.count)", "code": "\(code)", "reason": "\(text)"]
            )
        }
        return true
    }

    func channelClosed(_ session: AMQPSession, channel: UInt16, code: UInt16, text: String) throws(AMQPError) {
        guard attributeRefusal(code: code, text: text) else {
            // Not a refusal of one message (or a first 404): reconnect, which declares the topology again. Not thrown
            // as closedByBroker, which ``sessionLost(_:)`` would attribute a second time.
            throw .library("channel closed by the broker (\(code) \(text)); reconnecting")
        }
        // The connection is fine: open the channel again and send what was unconfirmed first.
        try session.reopenChannel(channel)
        try session.enableConfirms(channel: channel)
        nextTag = 1
        sendFirst(inFlight.map(\.request))
        inFlight = []
    }

    /// Removes and returns the in-flight messages an ack or nack covers (in tag order).
    private func take(upTo tag: UInt64, multiple: Bool) -> [InFlight] {
        if multiple {
            let count = inFlight.prefix { $0.tag <= tag }.count
            defer { inFlight.removeFirst(count) }
            return Array(inFlight.prefix(count))
        }
        guard let index = inFlight.firstIndex(where: { $0.tag == tag }) else { return [] }
        return [inFlight.remove(at: index)]
    }

    /// Puts requests at the head of the queue, before anything not yet published.
    private func sendFirst(_ requests: [Request]) {
        queued = requests + queued[queuedHead...]
        queuedHead = 0
    }

    func sessionLost(_ error: AMQPError) {
        // A connection closed over a message (a frame error) is attributed like a closed channel; the reconnect
        // sends the rest again.
        if case .closedByBroker(let code, let text) = error { _ = attributeRefusal(code: code, text: text) }
    }

    func drain(_ session: AMQPSession) {
        acceptingWork.withLock { $0 = false }
        let deadline = ContinuousClock.now + drainTimeout
        do {
            _ = try pump(session)
            while !inFlight.isEmpty || queuedHead < queued.count, ContinuousClock.now < deadline {
                if let frame = try session.nextFrame(timeout: .milliseconds(100)) {
                    try handle(frame, session: session)
                }
                _ = try pump(session)
            }
        } catch {
            logger.warning("publisher drain failed", metadata: ["error": "\(error)"])
        }
    }

    func stopped() {
        acceptingWork.withLock { $0 = false }
        let leftovers = inFlight.map(\.request) + queued[queuedHead...] + incoming.withLock { $0 }
        inFlight = []
        queued = []
        queuedHead = 0
        for request in leftovers { request.completion.complete(request.index, .failure(.shutdown)) }
    }
}
