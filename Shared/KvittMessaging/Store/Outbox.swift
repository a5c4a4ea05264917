import Foundation
import GRDB
import KvittContracts

/// The transactional outbox: events written with the state change, published after commit by ``OutboxRelay``.
public enum Outbox {
    /// Rows the relay has not published yet.
    public static let pending = "pending"
    /// Rows published and confirmed by the broker.
    public static let sent = "sent"
    /// Rows the broker returned as unroutable (nothing is bound to the type): parked, with the reason.
    public static let unroutable = "unroutable"
    /// Rows the broker refused as they are (``KvittAMQP/AMQPError/refused(code:text:)``): parked, with the reason.
    public static let refused = "refused"

    /// Adds a message to the outbox inside the caller's transaction.
    public static func enqueue<Message: KvittMessage>(
        _ message: Message,
        envelope: MessageEnvelope,
        in db: Database
    ) throws {
        try enqueue(body: try MessageCoding.encode(message), envelope: envelope, in: db)
    }

    /// Adds an encoded message, or a ``MessageBundle`` of `count` messages, to the outbox inside the caller's
    /// transaction.
    static func enqueue(body: [UInt8], envelope: MessageEnvelope, count: Int = 1, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO kvitt_outbox (message_id, type, correlation_id, causation_id, app_id, created_at, body, status,
                    message_count, trace_parent, trace_state)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                """
        )
        try statement.execute(arguments: [
            envelope.messageID, envelope.type.rawValue, envelope.correlationID, envelope.causationID, envelope.appID,
            envelope.timestamp.timeIntervalSince1970, Data(body), count, envelope.traceParent, envelope.traceState,
        ])
    }

    /// How many messages wait to be published (a bundle counts its messages).
    public static func backlog(_ db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COALESCE(SUM(message_count), 0) FROM kvitt_outbox WHERE status = 'pending'")
        ) ?? 0
    }
}

/// One outbox row on its way to the broker.
struct OutboxRow: Sendable {
    let id: Int64
    let envelope: MessageEnvelope
    let body: [UInt8]
    /// More than one: the body is a ``MessageBundle``.
    let count: Int
}
