/// The work one connection does (publish with confirms, consume, run operations), called only on the
/// connection's own thread by ``AMQPConnectionDriver``.
protocol AMQPConnectionRole: AnyObject, Sendable {
    /// A session was opened and the topology declared: set up channels (confirm mode, prefetch, consumers).
    func sessionOpened(_ session: AMQPSession, generation: UInt64) throws(AMQPError)
    /// Does queued work; returns whether it did anything.
    func pump(_ session: AMQPSession) throws(AMQPError) -> Bool
    /// Handles a frame that is not connection housekeeping.
    func handle(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError)
    /// The session failed; it is already closed.
    func sessionLost(_ error: AMQPError)
    /// The driver is stopping with this session still open: finish what can be finished quickly.
    func drain(_ session: AMQPSession)
    /// The driver has stopped for good: fail whatever is still waiting.
    func stopped()
}
