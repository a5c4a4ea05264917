import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Deletes inbox rows older than the deduplication window and sent outbox rows older than their retention, in small
/// transactions so that handlers never wait long for the writer.
///
/// After an inbox row is gone, a redelivery of that message id would be processed again: the window must be longer
/// than any message can stay in the broker unacknowledged, in a wait queue, or parked and then replayed (see
/// `docs/retention.md`). Refused and unroutable outbox rows are kept for an operator.
public struct RetentionSweeper: Service {
    let store: MessageStore
    let clock: any BusinessClock
    let inboxRetention: Duration
    let outboxRetention: Duration
    let interval: Duration
    let logger: Logger
    /// Rows per transaction: a few milliseconds of the writer each.
    static let chunk = 1000

    public init(
        store: MessageStore,
        clock: any BusinessClock,
        inboxRetention: Duration,
        outboxRetention: Duration,
        interval: Duration? = nil,
        logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.inboxRetention = inboxRetention
        self.outboxRetention = outboxRetention
        self.interval = interval ?? Self.interval(inboxRetention: inboxRetention, outboxRetention: outboxRetention)
        self.logger = logger
    }

    /// Every ten minutes, or a quarter of the shorter retention when that is sooner (at least every 5 s), so that
    /// nothing stays much longer than its retention.
    public static func interval(inboxRetention: Duration, outboxRetention: Duration) -> Duration {
        max(.seconds(5), min(.seconds(600), min(inboxRetention, outboxRetention) / 4))
    }

    public func run() async throws {
        // Cancelled (not merely told) on graceful shutdown: it holds nothing that must be finished, and a sweep or a
        // sleep between sweeps must not make shutdown wait.
        try? await cancelWhenGracefulShutdown { try await self.sweepPeriodically() }
    }

    private func sweepPeriodically() async throws {
        while !Task.isCancelled {
            do {
                let swept = try await sweep()
                if swept.inbox + swept.outbox > 0 {
                    logger.info(
                        "old inbox and outbox rows deleted",
                        metadata: ["inbox": "\(swept.inbox)", "outbox": "\(swept.outbox)"]
                    )
                }
            } catch {
                logger.warning("retention sweep failed; trying again later", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Deletes everything past retention now, chunk by chunk; returns how many rows of each went.
    @discardableResult
    public func sweep() async throws -> (inbox: Int, outbox: Int) {
        let now = clock.now().timeIntervalSince1970
        let inboxCutoff = now - Double(inboxRetention.components.seconds)
        let outboxCutoff = now - Double(outboxRetention.components.seconds)
        var inbox = 0
        var outbox = 0
        while !Task.isCancelled {
            let deleted = try await store.writer.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM kvitt_inbox WHERE message_id IN (
                            SELECT message_id FROM kvitt_inbox WHERE processed_at < ? LIMIT ?)
                        """,
                    arguments: [inboxCutoff, Self.chunk]
                )
                return db.changesCount
            }
            inbox += deleted
            if deleted < Self.chunk { break }
        }
        while !Task.isCancelled {
            let deleted = try await store.writer.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM kvitt_outbox WHERE id IN (
                            SELECT id FROM kvitt_outbox WHERE status = '\(Outbox.sent)' AND sent_at < ?
                            ORDER BY status, id LIMIT ?)
                        """,
                    arguments: [outboxCutoff, Self.chunk]
                )
                return db.changesCount
            }
            outbox += deleted
            if deleted < Self.chunk { break }
        }
        return (inbox, outbox)
    }
}
