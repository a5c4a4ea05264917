import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging

/// Runs a service's real handlers on an in-memory database through the runtime's processor, and reads back what
/// each message published: the unit-test bench for a service's rules.
public struct ServiceHarness: Sendable {
    public let store: MessageStore
    public let processor: MessageProcessor
    public let clock: ManualClock

    /// - Parameters:
    ///   - migrations: the service's schema.
    ///   - handlers: registers the service's handlers.
    public init(
        name: String,
        migrations: @escaping @Sendable (inout DatabaseMigrator) -> Void,
        handlers: (inout HandlerRegistry) -> Void,
        clock: ManualClock = ManualClock()
    ) throws {
        store = try MessageStore(writer: DatabaseQueue(), migrations: migrations)
        var registry = HandlerRegistry()
        handlers(&registry)
        var logger = Logger(label: "\(name)-test")
        logger.logLevel = .critical
        self.clock = clock
        processor = MessageProcessor(serviceName: name, registry: registry, store: store, clock: clock, logger: logger)
    }

    /// Handles one message and returns its outcome and what it published.
    @discardableResult
    public func send<M: KvittMessage>(_ message: M, id: String = UUID().uuidString) async throws -> Published {
        let outcome = await processor.process([try InMemoryBus.incoming(message, messageID: id)])[0]
        let rows = try await store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT type, body, message_count FROM kvitt_outbox WHERE causation_id = ? ORDER BY id",
                arguments: [id]
            ).flatMap { row in
                let body = [UInt8](row["body"] as Data)
                let bodies = (row["message_count"] as Int) > 1 ? try MessageBundle.decode(body).map(\.body) : [body]
                return bodies.map { Published.Message(type: row["type"], body: $0) }
            }
        }
        return Published(outcome: outcome, messages: rows)
    }

    /// What handling one message did.
    public struct Published: Sendable {
        public struct Message: Sendable {
            public let type: String
            public let body: [UInt8]
        }

        public let outcome: ProcessingOutcome
        public let messages: [Message]

        /// The first published message of a type, decoded.
        public func first<M: KvittMessage>(_ type: M.Type) throws -> M? {
            try all(type).first
        }

        /// Every published message of a type, decoded, in order.
        public func all<M: KvittMessage>(_ type: M.Type) throws -> [M] {
            try messages.filter { $0.type == M.messageType.rawValue }.map {
                try MessageCoding.decode(M.self, from: $0.body)
            }
        }

        /// The published wire names, in order.
        public var types: [String] { messages.map(\.type) }

        /// The rejection, when the message was refused with a command-rejected event of this type.
        public func rejection<R: CommandRejectedMessage>(_ type: R.Type) -> CommandRejection? {
            guard let message = messages.first(where: { $0.type == R.messageType.rawValue }),
                let body = try? MessageCoding.decode(CommandRejectionBody.self, from: message.body)
            else { return nil }
            return body.rejection
        }

        private struct CommandRejectionBody: Decodable {
            let rejection: CommandRejection
        }
    }
}
