import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import Logging
import ServiceLifecycle
import Synchronization
import Tracing

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
        let marker = OutboxMarker(store: store, metrics: metrics, logger: logger)
        await withGracefulShutdownHandler {
            // Rows after the cursor are published while earlier ones are still being marked: marking needs the
            // writer, which a service's handlers may hold for a while (a bank file), and must not stall publishing.
            var cursor: Int64 = 0
            while !stopping.isSet {
                do {
                    let pass = try await publishPass(after: cursor)
                    await marker.submit(pass.marks)
                    if pass.marks.transientFailures == 0, let last = pass.lastID {
                        cursor = last
                        // A full batch means more rows are probably waiting (parked rows count, or a run of events
                        // nobody subscribes to would make the relay idle between batches).
                        if pass.fetched == batchSize { continue }
                    }
                } catch {
                    logger.warning("outbox relay pass failed", metadata: ["error": "\(error)"])
                }
                // Caught up, or a row must be sent again: settle the marks, then start from the first pending row.
                await marker.flush()
                await marker.refreshBacklog()
                cursor = 0
                await wakeSignal.wait(timeout: idleInterval)
            }
            await marker.flush()
            // Flush what the last batches committed before the publisher closes.
            for _ in 0..<20 {
                guard let published = try? await relayOnce(), published > 0 else { break }
            }
        } onGracefulShutdown: {
            stopping.set()
            self.wakeSignal.signal()
        }
    }

    /// Publishes up to one batch of pending rows, marks them, and returns how many were confirmed.
    @discardableResult
    public func relayOnce() async throws -> Int {
        let pass = try await publishPass(after: 0)
        try await OutboxMarker.write([pass.marks], store: store)
        return pass.marks.sent.count
    }

    /// One batch published: what to mark, how many rows were fetched, and the last row's id.
    struct Pass: Sendable {
        var marks = OutboxMarks()
        var fetched = 0
        var lastID: Int64?
    }

    /// Reads up to one batch of pending rows after `cursor` (from a reader, never waiting for the writer) and
    /// publishes them with confirms.
    func publishPass(after cursor: Int64) async throws -> Pass {
        let batchSize = batchSize
        let fetched = try await store.writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, message_id, type, correlation_id, causation_id, app_id, created_at, body,
                            message_count, trace_parent, trace_state
                        FROM kvitt_outbox WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?
                        """
                ),
                arguments: [cursor, batchSize]
            ).map { row -> Result<OutboxRow, MalformedRow> in
                guard let type = MessageType(wireName: row["type"]) else {
                    return .failure(MalformedRow(id: row["id"], type: row["type"]))
                }
                let envelope = MessageEnvelope(
                    messageID: row["message_id"],
                    type: type,
                    correlationID: row["correlation_id"],
                    causationID: row["causation_id"],
                    timestamp: Date(timeIntervalSince1970: row["created_at"]),
                    appID: row["app_id"],
                    traceParent: row["trace_parent"],
                    traceState: row["trace_state"]
                )
                return .success(
                    OutboxRow(
                        id: row["id"],
                        envelope: envelope,
                        body: [UInt8](row["body"] as Data),
                        count: row["message_count"]
                    )
                )
            }
        }
        var pass = Pass(fetched: fetched.count)
        var rows: [OutboxRow] = []
        for entry in fetched {
            switch entry {
            case .success(let row):
                rows.append(row)
                pass.lastID = row.id
            case .failure(let malformed):
                // Never range-marked as sent: parked with the reason, for an operator to look at.
                pass.marks.parked.append((malformed.id, "malformed message type '\(malformed.type)'"))
                pass.lastID = malformed.id
            }
        }
        guard !rows.isEmpty else { return pass }
        // A span per row, in the trace of the handler that wrote it (a new trace for a row written outside a
        // handler); the message carries the publishing span's context, so that its consumer's span is its child.
        let spans = rows.map { row in
            let span = startSpan(
                "publish \(row.envelope.type.rawValue)",
                context: MessageTracing.context(of: (row.envelope.traceParent, row.envelope.traceState)),
                ofKind: .producer
            )
            MessageTracing.describe(
                span,
                messageID: row.envelope.messageID,
                type: row.envelope.type.rawValue,
                routingKey: row.envelope.type.rawValue,
                operation: "send"
            )
            if row.count > 1 { span.attributes["messaging.batch.message_count"] = row.count }
            return span
        }
        let messages = zip(rows, spans).map { row, span in
            var envelope = row.envelope
            let own = MessageTracing.headers(of: span.context)
            if own.parent != nil { (envelope.traceParent, envelope.traceState) = own }
            var properties = AMQPProperties(envelope: envelope)
            if row.count > 1 {
                properties.contentType = MessageBundle.contentType
                properties.headers[MessageBundle.countHeader] = .int64(Int64(row.count))
            }
            return AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: row.envelope.type.rawValue,
                properties: properties,
                body: row.body
            )
        }
        let results = await publisher.publish(batch: messages)
        for (index, (row, result)) in zip(rows, results).enumerated() {
            defer { spans[index].end() }
            if case .failure(let error) = result { spans[index].recordError(error) }
            switch result {
            case .success:
                pass.marks.sent.append(row.id)
                metrics.published(type: row.envelope.type.rawValue, count: row.count)
            case .failure(.unroutable(let code, let text)):
                pass.marks.parked.append((row.id, "\(code) \(text)"))
                let first = reportedUnroutable.withLock { $0.insert(row.envelope.type.rawValue).inserted }
                logger.log(
                    level: first ? .warning : .debug,
                    "outbox message unroutable: no queue is bound to its type; parked as unroutable",
                    metadata: ["message.id": "\(row.envelope.messageID)", "message.type": "\(row.envelope.type)"]
                )
            case .failure(.refused(let code, let text)):
                // The broker (or the frame check) refuses this message as it is: sending it again would give the same
                // answer, so it is parked with the reason and the rows behind it flow.
                pass.marks.refused.append((row.id, "\(code) \(text)"))
                logger.error(
                    "outbox message refused; parked as refused",
                    metadata: [
                        "message.id": "\(row.envelope.messageID)", "message.type": "\(row.envelope.type)",
                        "reason": "\(code) \(text)",
                    ]
                )
            case .failure(let error):
                // Left pending: a later pass sends it again.
                pass.marks.transientFailures += 1
                logger.warning(
                    "outbox publish failed; will retry",
                    metadata: ["message.id": "\(row.envelope.messageID)", "error": "\(error)"]
                )
            }
        }
        pass.marks.wholeBatch =
            pass.marks.sent.count == fetched.count ? (first: rows[0].id, last: rows[rows.count - 1].id) : nil
        return pass
    }
}

/// An outbox row whose stored type is not a wire name (a hand-edited or damaged row).
struct MalformedRow: Error {
    let id: Int64
    let type: String
}

extension AMQPProperties {
    /// The AMQP properties that carry a Kvitt envelope.
    public init(envelope: MessageEnvelope) {
        var headers: AMQPTable = [:]
        if let causation = envelope.causationID { headers[MessageEnvelope.causationHeader] = .string(causation) }
        MessageTracing.write(envelope, into: &headers)
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
