import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import Synchronization

/// An in-memory stand-in for the broker in unit tests: records what is published, routes it to registered
/// processors by type, and can refuse or drop publishes to exercise failure paths.
///
/// It runs the same ``MessageProcessor`` a service runs, so unit tests exercise decoding, the inbox, the outbox
/// and the failure policy without a broker. Integration tests use the real broker.
public final class InMemoryBus: MessagePublishing {
    private struct State {
        var published: [AMQPOutgoingMessage] = []
        var failNext: [AMQPError] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Everything published so far, in order.
    public var published: [AMQPOutgoingMessage] { state.withLock { $0.published } }

    /// The published messages decoded as `Message`, for the type's routing key (each message of a bundle).
    public func published<Message: KvittMessage>(_ type: Message.Type) throws -> [Message] {
        try published.filter { $0.routingKey == Message.messageType.rawValue }
            .flatMap { message in
                guard message.properties.contentType == MessageBundle.contentType else { return [message.body] }
                return try MessageBundle.decode(message.body).map(\.body)
            }
            .map { try MessageCoding.decode(Message.self, from: $0) }
    }

    /// Makes the next publishes fail with these errors, one each.
    public func failNextPublishes(with errors: [AMQPError]) {
        state.withLock { $0.failNext.append(contentsOf: errors) }
    }

    /// Forgets what was published.
    public func reset() {
        state.withLock { $0.published = [] }
    }

    public func publish(batch messages: [AMQPOutgoingMessage]) async -> [Result<Void, AMQPError>] {
        state.withLock { state in
            messages.map { message in
                if !state.failNext.isEmpty { return .failure(state.failNext.removeFirst()) }
                state.published.append(message)
                return .success(())
            }
        }
    }

    /// An incoming message as a publisher would send it: envelope in properties, payload as JSON.
    public static func incoming<Message: KvittMessage>(
        _ message: Message,
        messageID: String = RandomIdentifier.make(),
        correlationID: String? = nil,
        headers: AMQPTable = [:]
    ) throws -> IncomingMessage {
        IncomingMessage(
            messageID: messageID,
            type: Message.messageType.rawValue,
            correlationID: correlationID,
            timestamp: Date(),
            appID: "test",
            headers: headers,
            body: try MessageCoding.encode(message),
            routingKey: Message.messageType.rawValue
        )
    }
}
