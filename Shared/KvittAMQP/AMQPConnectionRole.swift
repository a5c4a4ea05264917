/// The work one connection does (publish with confirms, consume, run operations), called only on the
/// connection's own thread by ``AMQPConnectionDriver``.
protocol AMQPConnectionRole: AnyObject, Sendable {
    /// A session was opened and the topology declared: set up channels (confirm mode, prefetch, consumers).
    func sessionOpened(_ session: AMQPSession, generation: UInt64) throws(AMQPError)
    /// Does queued work; returns whether it did anything.
    func pump(_ session: AMQPSession) throws(AMQPError) -> Bool
    /// Handles a frame that is not connection housekeeping.
    func handle(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError)
    /// The broker closed a channel (already answered with `channel.close-ok`) while the connection stays up. The
    /// role may reopen it and go on; throwing ends the session, and the driver reconnects.
    func channelClosed(_ session: AMQPSession, channel: UInt16, code: UInt16, text: String) throws(AMQPError)
    /// The broker blocked (`true`, a resource alarm) or unblocked the connection.
    func blockedChanged(_ blocked: Bool)
    /// The session failed; it is already closed.
    func sessionLost(_ error: AMQPError)
    /// The driver is stopping with this session still open: finish what can be finished quickly.
    func drain(_ session: AMQPSession)
    /// The driver has stopped for good: fail whatever is still waiting.
    func stopped()
}

extension AMQPConnectionRole {
    /// By default a blocked connection changes nothing: only publishing is blocked by the broker.
    func blockedChanged(_ blocked: Bool) {}

    /// By default a closed channel ends the session: the reconnect sets everything up again.
    func channelClosed(_ session: AMQPSession, channel: UInt16, code: UInt16, text: String) throws(AMQPError) {
        throw .closedByBroker(code: code, text: text)
    }
}
