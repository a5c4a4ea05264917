import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes outbox rows with confirms, oldest first, and marks each row by its outcome.
///
/// A row is marked sent only after the broker confirmed it, so a crash between commit and publish only delays
/// it; a crash between publish and marking sends it again with the same message id, which the consumers' inbox
/// absorbs. A row the broker returns as unroutable is parked as `unroutable` instead of blocking the rest.
public final class OutboxRelay: Service {
    let store: MessageStore
    let publisher: any MessagePublishing
    let exchange: String
    let batchSize: Int
    let idleInterval: Duration
    let metrics: ServiceMetrics
    let logger: Logger
    /// Signal after committing outbox rows so that they go out at once.
    public let wakeSignal: WakeSignal
    /// Types already reported as unroutable: an event nobody subscribes to yet is normal, so warn once per type.
    private let reportedUnroutable = Mutex(Set<String>())

    public init(
        store: MessageStore,
        publisher: any MessagePublishing,
        exchange: String = "kvitt",
        batchSize: Int = 500,
        idleInterval: Duration = .seconds(1),
        metrics: ServiceMetrics = ServiceMetrics(),
        wakeSignal: WakeSignal = WakeSignal(),
        logger: Logger
    ) {
        self.wakeSignal = wakeSignal
        self.store = store
        self.publisher = publisher
        self.exchange = exchange
        self.batchSize = batchSize
        self.idleInterval = idleInterval
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !stopping.isSet {
                do {
                    // A full batch means more rows are probably waiting: go again at once. Count parked rows too, or
                    // a run of events nobody subscribes to would make the relay idle between batches.
                    if try await relayPass().handled == batchSize { continue }
                } catch {
                    logger.warning("outbox relay pass failed", metadata: ["error": "\(error)"])
                }
                await wakeSignal.wait(timeout: idleInterval)
            }
            // Flush what the last batches committed before the publisher closes.
            for _ in 0..<20 {
                guard let published = try? await relayOnce(), published > 0 else { break }
            }
        } onGracefulShutdown: {
            stopping.set()
            self.wakeSignal.signal()
        }
    }

    /// Publishes up to one batch of pending rows and returns how many were confirmed.
    @discardableResult
    public func relayOnce() async throws -> Int {
        try await relayPass().sent
    }

    /// One batch: how many rows were confirmed, and how many were settled either way (confirmed or parked).
    func relayPass() async throws -> (sent: Int, handled: Int) {
        let batchSize = batchSize
        let rows = try await store.writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, message_id, type, correlation_id, causation_id, app_id, created_at, body
                        FROM kvitt_outbox WHERE status = 'pending' ORDER BY id LIMIT ?
                        """
                ),
                arguments: [batchSize]
            ).compactMap { row -> OutboxRow? in
                guard let type = MessageType(wireName: row["type"]) else { return nil }
                let envelope = MessageEnvelope(
                    messageID: row["message_id"],
                    type: type,
                    correlationID: row["correlation_id"],
                    causationID: row["causation_id"],
                    timestamp: Date(timeIntervalSince1970: row["created_at"]),
                    appID: row["app_id"]
                )
                return OutboxRow(id: row["id"], envelope: envelope, body: [UInt8](row["body"] as Data))
            }
        }
        guard !rows.isEmpty else {
            metrics.outboxBacklog(0)
            return (0, 0)
        }
        let messages = rows.map { row in
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: row.envelope.type.rawValue,
                properties: AMQPProperties(envelope: row.envelope),
                body: row.body
            )
        }
        let results = await publisher.publish(batch: messages)
        var sent: [Int64] = []
        var unroutable: [(Int64, String)] = []
        for (row, result) in zip(rows, results) {
            switch result {
            case .success:
                sent.append(row.id)
                metrics.published(type: row.envelope.type.rawValue)
            case .failure(.unroutable(let code, let text)):
                unroutable.append((row.id, "\(code) \(text)"))
                let first = reportedUnroutable.withLock { $0.insert(row.envelope.type.rawValue).inserted }
                logger.log(
                    level: first ? .warning : .debug,
                    "outbox message unroutable: no queue is bound to its type; parked as unroutable",
                    metadata: ["message.id": "\(row.envelope.messageID)", "message.type": "\(row.envelope.type)"]
                )
            case .failure(let error):
                // Left pending: the next pass sends it again.
                logger.warning(
                    "outbox publish failed; will retry",
                    metadata: ["message.id": "\(row.envelope.messageID)", "error": "\(error)"]
                )
            }
        }
        let now = Date().timeIntervalSince1970
        let marked = sent
        let parked = unroutable
        let backlog = try await store.writer.write { db in
            let markSent = try db.cachedStatement(
                sql: "UPDATE kvitt_outbox SET status = 'sent', sent_at = ? WHERE id = ?"
            )
            for id in marked { try markSent.execute(arguments: [now, id]) }
            let markParked = try db.cachedStatement(
                sql: "UPDATE kvitt_outbox SET status = 'unroutable', sent_at = ?, failure = ? WHERE id = ?"
            )
            for (id, failure) in parked { try markParked.execute(arguments: [now, failure, id]) }
            return try Outbox.backlog(db)
        }
        metrics.outboxBacklog(backlog)
        return (sent.count, sent.count + unroutable.count)
    }
}

extension AMQPProperties {
    /// The AMQP properties that carry a Kvitt envelope.
    public init(envelope: MessageEnvelope) {
        var headers: AMQPTable = [:]
        if let causation = envelope.causationID { headers[MessageEnvelope.causationHeader] = .string(causation) }
        self.init(
            contentType: MessageEnvelope.jsonContentType,
            headers: headers,
            deliveryMode: 2,
            correlationID: envelope.correlationID,
            messageID: envelope.messageID,
            timestamp: envelope.timestamp,
            type: envelope.type.rawValue,
            appID: envelope.appID
        )
    }
}
