import Foundation
import GRDB
import KvittContracts
import Logging
import Tracing

/// The transport-agnostic core of a service: turns a batch of incoming messages into committed effects and
/// a decision per message (processed, duplicate, retry, dead letter).
///
/// The whole batch runs in one SQLite transaction; each message in its own savepoint, so one failing handler
/// rolls back only its own writes. The inbox row is written in the same savepoint as the handler's effects
/// and outbox rows, which is what makes redelivery and replay harmless.
public final class MessageProcessor: Sendable {
    public let serviceName: String
    let registry: HandlerRegistry
    let store: MessageStore
    let clock: any BusinessClock
    let retryPolicy: RetryPolicy
    let metrics: ServiceMetrics
    let logger: Logger
    /// Bodies larger than this are parked as ``FailureReason/tooLarge`` before they are decoded.
    let maximumMessageBytes: Int

    /// The default of ``maximumMessageBytes`` (and of the `MAX_MESSAGE_BYTES` setting): 16 MiB.
    public static let defaultMaximumMessageBytes = 16 * 1024 * 1024
    /// Timestamps Kvitt accepts on a message; anything else is not a clock's reading but a forged or broken value.
    public static let acceptedTimestamps = ForwardedProperties.timestampRange

    public init(
        serviceName: String,
        registry: HandlerRegistry,
        store: MessageStore,
        clock: any BusinessClock = SystemClock(),
        retryPolicy: RetryPolicy = .standard,
        metrics: ServiceMetrics = ServiceMetrics(),
        maximumMessageBytes: Int = MessageProcessor.defaultMaximumMessageBytes,
        logger: Logger
    ) {
        self.maximumMessageBytes = maximumMessageBytes
        self.serviceName = serviceName
        self.registry = registry
        self.store = store
        self.clock = clock
        self.retryPolicy = retryPolicy
        self.metrics = metrics
        self.logger = logger
    }

    private struct Prepared: Sendable {
        let index: Int
        let envelope: MessageEnvelope
        let redelivered: Bool
        let retryCount: Int
        let fingerprint: Int64
        let run: HandlerRegistry.Prepared
        /// The trace context the handler's messages carry: its span's, or (under a tracer that writes none) the one
        /// that arrived.
        let trace: (parent: String?, state: String?)
    }

    /// Processes a batch and returns one outcome per message, in order. Never throws: every failure becomes an
    /// outcome, so the caller can always acknowledge the batch.
    public func process(_ batch: [IncomingMessage]) async -> [ProcessingOutcome] {
        var outcomes = [ProcessingOutcome?](repeating: nil, count: batch.count)
        var prepared: [Prepared] = []
        let now = clock.now()
        // A span per message, continuing the trace its headers name; ended with its outcome.
        let arrived = batch.map { MessageTracing.read($0.headers) }
        let spans = zip(batch, arrived).map { message, trace in
            // Named by a type this service handles, or `unknown`: a name is never made up by the sender.
            let span = startSpan(
                "process \(metricLabel(for: message))",
                context: MessageTracing.context(of: trace),
                ofKind: .consumer
            )
            MessageTracing.describe(
                span,
                messageID: message.messageID,
                type: message.type,
                routingKey: message.routingKey,
                operation: "process"
            )
            return span
        }
        for (index, message) in batch.enumerated() {
            switch prepare(message, index: index, now: now, arrived: arrived[index], span: spans[index]) {
            case .success(let ready): prepared.append(ready)
            case .failure(let outcome): outcomes[index] = outcome
            }
        }
        if !prepared.isEmpty {
            let serviceName = serviceName
            let logger = logger
            let metrics = metrics
            let batchRetry = retryPolicy
            let ready = prepared
            do {
                let results = try await store.writer.write { db -> [Int: ProcessingOutcome] in
                    var results: [Int: ProcessingOutcome] = [:]
                    for item in ready {
                        let type = item.envelope.type.rawValue
                        if let earlier = try MessageStore.inboxEntry(item.envelope.messageID, db) {
                            results[item.index] = Self.classifySeen(earlier, type: type, fingerprint: item.fingerprint)
                            continue
                        }
                        var messageLogger = MessageTracing.logger(logger, tracedBy: item.trace.parent)
                        messageLogger[metadataKey: "message.id"] = "\(item.envelope.messageID)"
                        messageLogger[metadataKey: "message.type"] = "\(type)"
                        let context = HandlerContext(
                            db: db,
                            envelope: item.envelope,
                            redelivered: item.redelivered,
                            retryCount: item.retryCount,
                            now: now,
                            logger: messageLogger,
                            serviceName: serviceName,
                            trace: item.trace
                        )
                        let started = ContinuousClock.now
                        do {
                            try db.inSavepoint {
                                try item.run(context)
                                try context.writeOutbox()
                                try MessageStore.recordInInbox(
                                    item.envelope.messageID,
                                    type: type,
                                    fingerprint: item.fingerprint,
                                    at: now,
                                    db
                                )
                                return .commit
                            }
                            results[item.index] = .processed
                        } catch let failure as PermanentFailure {
                            results[item.index] = .deadLetter(failure.deadLetterReason, detail: failure.description)
                        } catch let error where Self.isDatabaseFault(error) {
                            // Not this message's fault: abandon the whole transaction, and the batch waits for the
                            // database instead of being retried towards the dead-letter queue.
                            throw error
                        } catch {
                            results[item.index] = Self.retryOrGiveUp(
                                batch[item.index],
                                error: error,
                                policy: batchRetry
                            )
                        }
                        metrics.handlerDuration(type: type, ContinuousClock.now - started)
                    }
                    return results
                }
                for (index, outcome) in results { outcomes[index] = outcome }
            } catch {
                // The transaction itself failed (disk full, database locked past the busy timeout): nothing in it
                // committed. A database fault holds the batch until the database is back; anything else is retried.
                logger.error(
                    "batch transaction failed",
                    metadata: ["error": "\(error)", "batch.size": "\(prepared.count)"]
                )
                let databaseFault = Self.isDatabaseFault(error)
                for item in prepared {
                    outcomes[item.index] =
                        databaseFault
                        ? .databaseUnavailable(detail: "\(error)")
                        : Self.retryOrGiveUp(batch[item.index], error: error, policy: batchRetry)
                }
            }
        }
        let final = outcomes.map { $0! }
        for (index, (message, outcome)) in zip(batch, final).enumerated() {
            record(outcome, for: message, span: spans[index])
        }
        return final
    }

    private enum Preparation {
        case success(Prepared)
        case failure(ProcessingOutcome)
    }

    /// A message id already in the inbox: the same message again (acknowledged without effect), or another message
    /// that reuses the id, which is parked instead of being lost as a duplicate. Rows written before fingerprints
    /// were kept compare by type alone.
    static func classifySeen(_ earlier: MessageStore.InboxEntry, type: String, fingerprint: Int64) -> ProcessingOutcome
    {
        if earlier.type == type && (earlier.fingerprint == nil || earlier.fingerprint == fingerprint) {
            return .duplicate
        }
        let what = earlier.type == type ? "with a different body" : "as \(earlier.type)"
        return .deadLetter(
            .messageIDReused,
            detail:
                "message id already processed \(what) at \(earlier.processedAt.ISO8601Format()); not processed again"
        )
    }

    private func prepare(
        _ message: IncomingMessage,
        index: Int,
        now: Date,
        arrived: (parent: String?, state: String?),
        span: any Span
    ) -> Preparation {
        // Size first: nothing about a body over the limit is looked at, not even as a bundle.
        if message.body.count > maximumMessageBytes {
            return .failure(
                .deadLetter(
                    .tooLarge,
                    detail: "body of \(message.body.count) bytes is over the maximum of \(maximumMessageBytes)"
                )
            )
        }
        if let unreadable = message.unreadableBundle {
            return .failure(.deadLetter(.undecodableBody, detail: unreadable))
        }
        if let timestamp = message.timestamp, !Self.acceptedTimestamps.contains(timestamp) {
            return .failure(
                .deadLetter(
                    .invalidProperties,
                    detail: "timestamp: \(timestamp.timeIntervalSince1970) seconds is outside 1970-2199"
                )
            )
        }
        guard let messageID = message.messageID, !messageID.isEmpty else {
            return .failure(.deadLetter(.missingMessageID, detail: "the message has no message_id property"))
        }
        guard let type = message.messageType, let entry = registry.entry(for: type) else {
            let shown = message.type ?? "(none)"
            return .failure(
                .deadLetter(.unknownMessageType, detail: "\(serviceName) has no handler for message type '\(shown)'")
            )
        }
        let run: HandlerRegistry.Prepared
        do {
            run = try entry.decode(message.body)
        } catch {
            return .failure(.deadLetter(.undecodableBody, detail: "\(type): \(Self.describe(decodingError: error))"))
        }
        let envelope = MessageEnvelope(
            messageID: messageID,
            type: type,
            correlationID: message.correlationID,
            causationID: message.headers[MessageEnvelope.causationHeader]?.stringValue,
            timestamp: message.timestamp ?? now,
            appID: message.appID,
            traceParent: arrived.parent,
            traceState: arrived.state
        )
        let own = MessageTracing.headers(of: span.context)
        return .success(
            Prepared(
                index: index,
                envelope: envelope,
                redelivered: message.redelivered,
                retryCount: message.retryCount,
                fingerprint: BodyFingerprint.of(message.body),
                run: run,
                trace: own.parent == nil ? arrived : own
            )
        )
    }

    /// SQLite's answers that say the database, not the message, is the problem: no space, an I/O error, a lock held
    /// past the busy timeout, a read-only or unopenable file, no memory, a WAL lock protocol failure.
    static let databaseFaultCodes: [ResultCode] = [
        .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_NOMEM,
        .SQLITE_PROTOCOL,
    ]

    /// Whether an error is a fault of the database rather than of the message being handled.
    public static func isDatabaseFault(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return databaseFaultCodes.contains(error.resultCode.primaryResultCode)
    }

    static func retryOrGiveUp(_ message: IncomingMessage, error: any Error, policy: RetryPolicy) -> ProcessingOutcome {
        let detail = "\(error)"
        if let delay = policy.delay(afterRetries: message.retryCount) {
            return .retry(attempt: message.retryCount + 1, delay: delay, detail: detail)
        }
        return .deadLetter(.retriesExhausted, detail: "after \(message.retryCount) retries: \(detail)")
    }

    /// The metric label for a message's type: a type this service handles, or `unknown` for everything else (the
    /// type comes from the sender, and a label per made-up type would grow memory without bound).
    func metricLabel(for message: IncomingMessage) -> String {
        guard let type = message.messageType, registry.entry(for: type) != nil else { return Self.unknownTypeLabel }
        return type.rawValue
    }

    static let unknownTypeLabel = "unknown"

    private func record(_ outcome: ProcessingOutcome, for message: IncomingMessage, span: any Span) {
        defer { span.end() }
        span.attributes["kvitt.outcome"] = outcome.label
        let type = metricLabel(for: message)
        var metadata: Logger.Metadata = [
            "message.id": "\(message.messageID ?? "-")", "message.type": "\(message.type ?? message.routingKey)",
        ]
        // The trace ids of the lines below, worked out only when one is written (a processed message logs nothing).
        func traced(_ metadata: Logger.Metadata) -> Logger.Metadata {
            guard let ids = MessageTracing.headers(of: span.context).parent.flatMap(MessageTracing.ids(ofTraceParent:))
            else { return metadata }
            return metadata.merging([
                MessageTracing.traceIDKey: "\(ids.traceID)", MessageTracing.spanIDKey: "\(ids.spanID)",
            ]) { own, _ in own }
        }
        switch outcome {
        case .processed:
            metrics.consumed(type: type, outcome: "processed")
        case .duplicate:
            metrics.consumed(type: type, outcome: "duplicate")
            logger.debug("duplicate message acknowledged without effect", metadata: traced(metadata))
        case .retry(let attempt, let delay, let detail):
            metrics.retried(type: type)
            metadata["retry.attempt"] = "\(attempt)"
            metadata["retry.delay"] = "\(RetryPolicy.label(delay))"
            metadata["error"] = "\(PersonalDataMasking.mask(detail))"
            logger.warning("transient failure; retrying later", metadata: traced(metadata))
        case .databaseUnavailable(let detail):
            metadata["error"] = "\(detail)"
            logger.debug("database unavailable; the message waits unacknowledged", metadata: traced(metadata))
        case .deadLetter(let reason, let detail):
            metrics.deadLettered(type: type, reason: reason.rawValue)
            metadata["failure.reason"] = "\(reason.rawValue)"
            metadata["failure.detail"] = "\(FailureHeaders.boundedDetail(detail))"
            span.setStatus(SpanStatus(code: .error, message: reason.rawValue))
            logger.error("message dead-lettered", metadata: traced(metadata))
        }
    }

    /// A decoding error as one line that names the field (`lines[2].unitPrice: expected Int64`).
    public static func describe(decodingError error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .drop { $0 == "." }.description
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): missing \(type)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
