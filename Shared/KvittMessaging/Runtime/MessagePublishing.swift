import KvittAMQP

/// Publishes messages with broker confirms: the real ``AMQPPublisher``, or an in-memory bus in unit tests.
public protocol MessagePublishing: Sendable {
    /// Publishes in order; one result per message.
    func publish(batch: [AMQPOutgoingMessage]) async -> [Result<Void, AMQPError>]
}

extension AMQPPublisher: MessagePublishing {}
