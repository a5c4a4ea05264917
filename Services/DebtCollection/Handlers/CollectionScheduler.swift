import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging
import ServiceLifecycle

/// Takes the automatic steps that are due, from the schedule stored in SQLite (each case's next step and its date),
/// so a restart loses nothing.
///
/// A pass runs in one transaction, and each case in a savepoint of its own (``CaseEngine/advance(_:)``): a case whose
/// step throws (an invoice due before the first reference-rate period, amounts that overflow) is rolled back and
/// *held* with its reason, and the pass goes on with the other cases. A held case leaves the due list until its
/// retry time (``CaseHold/retryDelay(afterAttempts:)``), and comes after every case that is not held when it returns,
/// so held cases never crowd the others out of a batch.
struct CollectionScheduler: Service {
    /// The most cases one pass takes; the rest wait for the next pass.
    static let batchSize = 500

    let store: MessageStore
    let clock: any BusinessClock
    let rates: ReferenceRateTable
    let logger: Logger
    let outboxCommitted: @Sendable () -> Void
    let interval: Duration

    /// The held cases for an operator: `/health/ready` lists them by reason without failing (a held case is not a
    /// broken service), and `/metrics` exports the gauge `kvitt_collection_cases_held{reason}`, read from the
    /// database when asked, so that it is never older than the cases.
    static func heldCasesAttention(_ store: MessageStore) -> AttentionGauge {
        AttentionGauge(
            metric: "kvitt_collection_cases_held",
            help: "Open collection cases whose automatic step cannot be taken, by hold reason.",
            subject: "held collection case(s)",
            reasons: CaseHold.Reason.allCases.map(\.rawValue),
            counts: { try await store.writer.read { db in try heldCases(db).byReason } }
        )
    }

    /// What one pass did.
    struct Pass: Sendable, Equatable {
        /// Steps taken (each with its events in the outbox).
        var stepsTaken = 0
        /// Cases held in this pass for a reason they were not held for before.
        var newlyHeld = 0
        /// Open cases held after the pass, in all.
        var heldCases = 0
    }

    func run() async throws {
        do {
            try await retryEveryHeldCase()
        } catch {
            logger.error("could not schedule the held cases for a retry", metadata: ["error": "\(error)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await runOnce().stepsTaken > 0 { outboxCommitted() }
            } catch {
                logger.error("collection scheduler pass failed", metadata: ["error": "\(error)"])
            }
            await pauseBetweenPasses(for: interval)
        }
    }

    /// Makes the next pass try every held case: at start-up, since what holds a case (the rate table above all)
    /// may have been changed with the restart.
    func retryEveryHeldCase() async throws {
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE collection_case SET heldRetryAt = NULL WHERE heldReason IS NOT NULL")
        }
    }

    /// Runs every step due today or earlier, each case on its own; returns what the pass did.
    @discardableResult
    func runOnce() async throws -> Pass {
        let now = clock.now()
        let today = CalendarDate.today(at: now)
        let rates = rates
        let logger = logger
        let pass = try await store.writer.write { db in
            // Due steps first: cases under an installment plan have no next date and are checked every pass, and
            // must never crowd due reminders out of the batch; held cases whose retry time has come go last.
            let due = try CollectionCase.fetchAll(
                db,
                sql: """
                    SELECT * FROM collection_case
                    WHERE status = 'open' AND ((nextDate IS NOT NULL AND nextDate <= ?) OR plan IS NOT NULL)
                        AND (heldRetryAt IS NULL OR heldRetryAt <= ?)
                    ORDER BY heldReason IS NOT NULL, nextDate IS NULL, nextDate LIMIT ?
                    """,
                arguments: [today.description, now, Self.batchSize]
            )
            var pass = Pass()
            for var record in due {
                let invoiceID = record.invoiceID
                let engine = CaseEngine(db: db, now: now, rates: rates, logger: logger) { message, messageID in
                    try Self.enqueue(message, messageID: messageID, invoiceID: invoiceID, at: now, db)
                }
                let heldBefore = record.heldReason
                switch try engine.advance(&record) {
                case .tookStep: pass.stepsTaken += 1
                case .nothingDue: break
                case .held(let hold): if heldBefore != hold.reason.rawValue { pass.newlyHeld += 1 }
                }
            }
            pass.heldCases = try Self.heldCaseCount(db)
            return pass
        }
        return pass
    }

    /// Open cases that are held.
    static func heldCaseCount(_ db: Database) throws -> Int {
        try heldCases(db).byReason.values.reduce(0, +)
    }

    /// Open cases that are held: how many by ``CaseHold/Reason`` code, and since when the oldest of them is held. The
    /// one reading of held cases: the scheduler's pass, readiness and the gauge, and `GET /v1/case-summary`.
    static func heldCases(_ db: Database) throws -> (byReason: [String: Int], oldestSince: Date?) {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT heldReason, COUNT(*) AS count, MIN(heldSince) AS since FROM collection_case
                WHERE heldReason IS NOT NULL AND status = 'open' GROUP BY heldReason
                """
        )
        var byReason: [String: Int] = [:]
        var oldest: Date?
        for row in rows {
            byReason[row["heldReason"] as String] = row["count"] as Int
            if let since = row["since"] as Date?, oldest.map({ since < $0 }) ?? true { oldest = since }
        }
        return (byReason, oldest)
    }

    static func enqueue<M: KvittMessage>(
        _ message: M,
        messageID: String?,
        invoiceID: String,
        at now: Date,
        _ db: Database
    ) throws {
        try Outbox.enqueue(
            message,
            envelope: MessageEnvelope(
                messageID: messageID ?? RandomIdentifier.make(),
                type: M.messageType,
                correlationID: invoiceID,
                timestamp: now,
                appID: "debt-collection"
            ),
            in: db
        )
    }
}
