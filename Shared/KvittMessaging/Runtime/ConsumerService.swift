import Foundation
import KvittAMQP
import KvittContracts
import Logging
import ServiceLifecycle

/// Consumes the service queue: each burst of deliveries is processed in one transaction, failures are sent to a
/// wait queue or the dead-letter queue (confirmed), and then the batch is acknowledged with one `multiple` ack.
///
/// Nothing is acknowledged before its effects committed and its failure copy (if any) was confirmed, so a crash
/// at any point leads to redelivery, which the inbox turns into a no-op.
public final class ConsumerService: Service {
    let consumer: AMQPConsumer
    let processor: MessageProcessor
    let publisher: any MessagePublishing
    let routing: FailureRouting
    let batchSize: Int
    let clock: any BusinessClock
    let onCommitted: @Sendable () -> Void
    let logger: Logger
    /// Set while the database refuses writes; readiness turns red.
    public let databaseHealth: DatabaseHealth
    /// How long to wait before trying a held batch again, doubling up to ``maximumDatabaseBackoff``.
    let initialDatabaseBackoff: Duration
    static let maximumDatabaseBackoff: Duration = .seconds(10)

    /// - Parameters:
    ///   - batchSize: the most deliveries handled in one SQLite transaction.
    ///   - onCommitted: called after each committed batch (wakes the outbox relay).
    public init(
        consumer: AMQPConsumer,
        processor: MessageProcessor,
        publisher: any MessagePublishing,
        topology: ServiceTopology,
        batchSize: Int = 100,
        clock: any BusinessClock = SystemClock(),
        onCommitted: @escaping @Sendable () -> Void = {},
        databaseHealth: DatabaseHealth = DatabaseHealth(),
        initialDatabaseBackoff: Duration = .milliseconds(200),
        logger: Logger
    ) {
        self.databaseHealth = databaseHealth
        self.initialDatabaseBackoff = initialDatabaseBackoff
        self.consumer = consumer
        self.processor = processor
        self.publisher = publisher
        self.routing = FailureRouting(topology: topology)
        self.batchSize = max(1, batchSize)
        self.clock = clock
        self.onCommitted = onCommitted
        self.logger = logger
    }

    /// A delivery at least this large (a bank file) is committed in a transaction of its own, so that its
    /// thousands of events reach the outbox relay without waiting for the rest of the burst.
    static let heavyMessageBytes = 64 * 1024

    public func run() async throws {
        for await burst in consumer.batches.cancelOnGracefulShutdown() {
            for chunk in Self.chunks(of: burst, batchSize: batchSize) { await handle(chunk) }
        }
        // Stop intake; unacknowledged deliveries go back to the queue when the connection closes.
        consumer.cancel()
        await consumer.stop()
    }

    /// Splits a burst into transactions of at most `batchSize` messages (a bundle counts its messages), each heavy
    /// delivery on its own.
    static func chunks(of burst: [AMQPDelivery], batchSize: Int) -> [[AMQPDelivery]] {
        var chunks: [[AMQPDelivery]] = []
        var current: [AMQPDelivery] = []
        var messages = 0
        for delivery in burst {
            // A heavy delivery weighs a whole transaction, so it gets one of its own.
            // The count header comes from the wire: clamped, so that a forged one cannot overflow the sum.
            let declared = delivery.properties.headers[MessageBundle.countHeader]?.int64Value ?? 1
            let weight =
                delivery.body.count >= heavyMessageBytes
                ? batchSize : Int(min(max(1, declared), Int64(MessageBundle.maximumCount)))
            if !current.isEmpty && messages + weight > batchSize {
                chunks.append(current)
                current = []
                messages = 0
            }
            current.append(delivery)
            messages += weight
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// Processes messages; while the database refuses the batch's transaction, holds them (unacknowledged, so the
    /// broker sends nothing beyond the prefetch) and tries again with backoff. Returns `nil` when the service stops
    /// first.
    func processUntilTheDatabaseTakesIt(_ messages: [IncomingMessage]) async -> [ProcessingOutcome]? {
        var backoff = initialDatabaseBackoff
        while true {
            let outcomes = await processor.process(messages)
            let unavailable = outcomes.lazy.compactMap { outcome -> String? in
                if case .databaseUnavailable(let detail) = outcome { return detail }
                return nil
            }.first
            guard let unavailable else {
                if databaseHealth.unavailable != nil {
                    databaseHealth.recovered()
                    logger.notice("database takes writes again; consuming resumes")
                }
                return outcomes
            }
            if databaseHealth.unavailable == nil {
                logger.error(
                    "database refuses writes; holding deliveries unacknowledged until it is back",
                    metadata: ["error": "\(unavailable)", "messages": "\(messages.count)"]
                )
            }
            databaseHealth.failed(unavailable)
            if Task.isShuttingDownGracefully || Task.isCancelled { return nil }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, Self.maximumDatabaseBackoff)
        }
    }

    /// Processes one chunk of deliveries and acknowledges it.
    func handle(_ deliveries: [AMQPDelivery]) async {
        // A bundle is several messages: each goes through the inbox and the failure policy on its own, and the
        // bundle is acknowledged when all of them are settled.
        var owner: [Int] = []
        var units: [AMQPDelivery] = []
        var messages: [IncomingMessage] = []
        for (index, delivery) in deliveries.enumerated() {
            for (unit, message) in IncomingMessage.messages(of: delivery) {
                owner.append(index)
                units.append(unit)
                messages.append(message)
            }
        }
        guard let outcomes = await processUntilTheDatabaseTakesIt(messages) else {
            // Stopping while the database is down: nothing is acknowledged, and the broker delivers it all again.
            return
        }
        onCommitted()
        var sideMessages: [AMQPOutgoingMessage] = []
        var sideIndex: [Int: Int] = [:]
        let now = clock.now()
        for (index, outcome) in outcomes.enumerated() {
            let properties = units[index].properties
            switch outcome {
            case .processed, .duplicate, .databaseUnavailable:
                continue
            case .retry(let attempt, let delay, let detail):
                sideIndex[index] = sideMessages.count
                sideMessages.append(
                    routing.retryMessage(
                        for: messages[index],
                        properties: properties,
                        attempt: attempt,
                        delay: delay,
                        detail: detail
                    )
                )
            case .deadLetter(let reason, let detail):
                sideIndex[index] = sideMessages.count
                sideMessages.append(
                    routing.deadLetterMessage(
                        for: messages[index],
                        properties: properties,
                        reason: reason,
                        detail: detail,
                        at: now
                    )
                )
            }
        }
        let sideResults = await publisher.publish(batch: sideMessages)
        let failed = Set(sideIndex.filter { (try? sideResults[$0.value].get()) == nil }.keys.map { owner[$0] })
        if failed.isEmpty, let last = deliveries.last {
            consumer.ack(last, multiple: true)
            return
        }
        for (index, delivery) in deliveries.enumerated() {
            if failed.contains(index) {
                // The failure copy was not confirmed: let the broker dead-letter the original instead of losing it.
                logger.error(
                    "could not park failed message; rejecting it to the broker's dead-letter exchange",
                    metadata: ["message.id": "\(delivery.properties.messageID ?? "-")"]
                )
                consumer.reject(delivery, requeue: false)
            } else {
                consumer.ack(delivery)
            }
        }
    }
}
