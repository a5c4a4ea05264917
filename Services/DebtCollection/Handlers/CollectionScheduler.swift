import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging
import ServiceLifecycle

/// Takes the automatic steps that are due, from the schedule stored in SQLite (each case's next step and its date),
/// so a restart loses nothing. Each case's step, its fees and its events commit in one transaction.
struct CollectionScheduler: Service {
    let store: MessageStore
    let clock: any BusinessClock
    let rates: ReferenceRateTable
    let logger: Logger
    let outboxCommitted: @Sendable () -> Void
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await runOnce() > 0 { outboxCommitted() }
            } catch {
                logger.error("collection scheduler pass failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Runs every step due today or earlier; returns how many steps were taken.
    @discardableResult
    func runOnce() async throws -> Int {
        let now = clock.now()
        let today = CalendarDate.today(at: now)
        let rates = rates
        let logger = logger
        // Due steps first: cases under an installment plan have no next date and are checked every pass, and must
        // never crowd due reminders out of the batch.
        return try await store.writer.write { db in
            let due = try CollectionCase.fetchAll(
                db,
                sql: """
                    SELECT * FROM collection_case
                    WHERE status = 'open' AND ((nextDate IS NOT NULL AND nextDate <= ?) OR plan IS NOT NULL)
                    ORDER BY nextDate IS NULL, nextDate LIMIT 500
                    """,
                arguments: [today.description]
            )
            var taken = 0
            for var record in due {
                let invoiceID = record.invoiceID
                let engine = CaseEngine(db: db, today: today, rates: rates, logger: logger) { message in
                    try Self.enqueue(message, invoiceID: invoiceID, at: now, db)
                }
                if try engine.runDue(&record) { taken += 1 }
            }
            return taken
        }
    }

    static func enqueue<M: KvittMessage>(_ message: M, invoiceID: String, at now: Date, _ db: Database) throws {
        try Outbox.enqueue(
            message,
            envelope: MessageEnvelope(
                type: M.messageType,
                correlationID: invoiceID,
                timestamp: now,
                appID: "debt-collection"
            ),
            in: db
        )
    }
}
