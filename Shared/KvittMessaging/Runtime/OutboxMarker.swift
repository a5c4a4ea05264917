import Foundation
import GRDB
import Logging

/// What one relay pass learned about its rows: confirmed, returned as unroutable, or to be sent again.
struct OutboxMarks: Sendable {
    var sent: [Int64] = []
    var parked: [(id: Int64, failure: String)] = []
    /// Rows the broker refused one by one (``Outbox/refused``).
    var refused: [(id: Int64, failure: String)] = []
    var transientFailures = 0
    /// Set when every row of the batch was confirmed: one range update marks them all.
    var wholeBatch: (first: Int64, last: Int64)?
}

/// Marks published outbox rows in the background, coalescing whatever passes queued meanwhile into one
/// transaction, so that publishing never waits for the writer.
///
/// A crash before the marks are written only means those rows are published again with the same message ids,
/// which the consumers' inboxes absorb.
actor OutboxMarker {
    let store: MessageStore
    let metrics: ServiceMetrics
    let logger: Logger
    private var queued: [OutboxMarks] = []
    private var writing: Task<Void, Never>?
    /// Counting pending rows scans them, so the backlog gauge is refreshed at most once a second.
    private var backlogCountedAt = ContinuousClock.now - .seconds(10)

    init(store: MessageStore, metrics: ServiceMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Queues a pass's marks; they are written as soon as the writer is free.
    func submit(_ marks: OutboxMarks) {
        guard !marks.sent.isEmpty || !marks.parked.isEmpty || !marks.refused.isEmpty else { return }
        queued.append(marks)
        if writing == nil { writing = Task { await self.drain() } }
    }

    /// Counts the pending rows for the backlog gauge (at most once a second), also when nothing was marked: during
    /// a broker outage the gauge must keep rising.
    func refreshBacklog() async {
        guard ContinuousClock.now - backlogCountedAt >= .seconds(1) else { return }
        backlogCountedAt = .now
        if let backlog = try? await store.outboxBacklog() { metrics.outboxBacklog(backlog) }
    }

    /// Returns once everything submitted so far is written.
    func flush() async {
        while let writing { await writing.value }
    }

    private func drain() async {
        while !queued.isEmpty {
            let batch = queued
            queued = []
            do {
                try await Self.write(batch, store: store)
            } catch {
                // The rows stay pending and are published again later; the inbox makes that harmless.
                logger.warning("could not mark outbox rows as sent", metadata: ["error": "\(error)"])
            }
            await refreshBacklog()
        }
        writing = nil
    }

    /// Writes marks in one transaction.
    static func write(_ batch: [OutboxMarks], store: MessageStore) async throws {
        let now = Date().timeIntervalSince1970
        try await store.writer.write { db in
            let markRange = try db.cachedStatement(
                sql:
                    "UPDATE kvitt_outbox SET status = 'sent', sent_at = ? WHERE status = 'pending' AND id BETWEEN ? AND ?"
            )
            let markSent = try db.cachedStatement(
                sql: "UPDATE kvitt_outbox SET status = 'sent', sent_at = ? WHERE id = ?"
            )
            let markParked = try db.cachedStatement(
                sql: "UPDATE kvitt_outbox SET status = '\(Outbox.unroutable)', sent_at = ?, failure = ? WHERE id = ?"
            )
            let markRefused = try db.cachedStatement(
                sql: "UPDATE kvitt_outbox SET status = '\(Outbox.refused)', sent_at = ?, failure = ? WHERE id = ?"
            )
            for marks in batch {
                if let range = marks.wholeBatch {
                    try markRange.execute(arguments: [now, range.first, range.last])
                } else {
                    for id in marks.sent { try markSent.execute(arguments: [now, id]) }
                }
                for (id, failure) in marks.parked { try markParked.execute(arguments: [now, failure, id]) }
                for (id, failure) in marks.refused { try markRefused.execute(arguments: [now, failure, id]) }
            }
        }
    }
}
