import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

/// A case that cannot advance is held with its reason, and never stops the other cases (in memory).
@Suite("Held cases: one bad case never stops the others")
struct HeldCaseTests {
    /// A bench with two creditors: `old-books` (automatic inkassokrav 15 days after the due date, no reminder) with
    /// invoice `ancient`, due 2023-06-01, before the rate table's first half-year (2023-07-01), so its inkassokrav
    /// cannot compute interest; and `acme` with `inv-1`, due 2026-04-01, reminder on 2026-04-06.
    static func benchWithAnAncientCase() async throws -> CollectionBench {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor("old-books", reminder: nil, collection: 15))
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(
            CollectionBench.issued("ancient", creditorID: "old-books", invoiceDate: "2023-05-02", dueDate: "2023-06-01")
        )
        try await bench.harness.send(CollectionBench.issued("inv-1"))
        return bench
    }

    static func holdLogs(_ bench: CollectionBench) -> [LogRecorder.Entry] {
        bench.logs.all.filter { $0.message.hasPrefix("collection case held") }
    }

    @Test func theFirstDueCaseThrowsAndAnotherCreditorsReminderStillGoesOutInTheSamePass() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        // The ancient case is first by date: before, its error rolled back the whole pass.
        #expect(try await bench.record("ancient")?.nextDate == "2023-06-16")
        bench.setDate("2026-04-06")
        let pass = try await bench.pass()

        #expect(pass.published.steps == ["reminder-sent"])
        #expect(try pass.published.decoded(ReminderSent.self).map(\.invoiceID) == ["inv-1"])
        #expect(!pass.invoices.contains("ancient"), "the held case published nothing")
        #expect(pass.summary == .init(stepsTaken: 1, newlyHeld: 1, heldCases: 1))
        #expect(
            try await CollectionScheduler.heldCasesAttention(bench.harness.store).counts()
                == ["reference-rate-missing": 1],
            "the gauge and readiness count the held case by its reason"
        )

        let held = try #require(try await bench.record("ancient"))
        #expect(held.heldReason == CaseHold.Reason.noReferenceRate.rawValue)
        #expect(held.heldDetail?.contains("2023-06-02") == true, "\(held.heldDetail ?? "")")
        #expect(held.heldSince == bench.clock.now())
        #expect(held.heldAttempts == 1)
        #expect(held.status == "open" && held.fees == 0 && held.interest == 0 && held.history == "[]")
        #expect(held.nextStep == "collectionLetter", "the step stays scheduled, only held")

        let logged = Self.holdLogs(bench)
        #expect(logged.count == 1)
        #expect(logged.first?.level == .warning)
        #expect(logged.first?.metadata["invoice.id"] == "ancient")
        #expect(logged.first?.metadata["hold.reason"] == "reference-rate-missing")
    }

    @Test func aHeldCaseWaitsForItsRetryTimeAndIsLoggedOnce() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        bench.setDate("2026-04-06")
        try await bench.pass()
        let since = bench.clock.now()

        let soon = try await bench.pass()
        #expect(soon.summary == .init(stepsTaken: 0, newlyHeld: 0, heldCases: 1))
        #expect(try await bench.record("ancient")?.heldAttempts == 1, "not tried again before its retry time")

        bench.clock.set(since.addingTimeInterval(61))
        let retried = try await bench.pass()
        #expect(retried.published.isEmpty)
        #expect(retried.summary == .init(stepsTaken: 0, newlyHeld: 0, heldCases: 1))
        let record = try #require(try await bench.record("ancient"))
        #expect(record.heldAttempts == 2)
        #expect(record.heldSince == since, "the hold keeps its start")
        #expect(record.heldRetryAt == since.addingTimeInterval(61 + 120), "the wait doubles")
        #expect(Self.holdLogs(bench).count == 1, "a retry that fails the same way is not logged again")
        #expect(CaseHold.retryDelay(afterAttempts: 40) == CaseHold.maximumRetryDelay)
    }

    @Test func heldCasesWhoseRetryTimeHasComeNeverCrowdOthersOutOfTheBatch() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        bench.setDate("2026-04-05")
        try await bench.pass()
        // A full batch of held cases, all due long before inv-1 and all ready to be tried again.
        try await bench.harness.store.writer.write { db in
            var copy = try #require(try CollectionCase.fetchOne(db, key: "ancient"))
            for index in 1..<CollectionScheduler.batchSize {
                copy.invoiceID = "ancient-\(index)"
                try copy.insert(db)
            }
        }
        try await bench.scheduler.retryEveryHeldCase()
        bench.setDate("2026-04-06")
        let pass = try await bench.pass()
        #expect(try pass.published.decoded(ReminderSent.self).map(\.invoiceID) == ["inv-1"])
        #expect(pass.summary.heldCases == CollectionScheduler.batchSize)
    }

    @Test func aStepThatFailsAfterPublishingLeavesNothingBehind() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        // The reminder's 60 kr fee is charged and its fees-charged event published before the step finds that
        // what is outstanding no longer fits in 64 bits.
        try await bench.harness.send(CollectionBench.issued("huge", amount: .max - 100))
        try await bench.harness.send(CollectionBench.issued("inv-1"))
        bench.setDate("2026-04-06")
        let pass = try await bench.pass()
        #expect(try pass.published.decoded(ReminderSent.self).map(\.invoiceID) == ["inv-1"])
        #expect(try pass.published.decoded(FeesCharged.self).map(\.invoiceID) == ["inv-1"])
        #expect(!pass.invoices.contains("huge"))
        let huge = try #require(try await bench.record("huge"))
        #expect(huge.heldReason == CaseHold.Reason.amountOverflow.rawValue)
        #expect(huge.fees == 0 && !huge.reminderFeeCharged && huge.history == "[]", "the step's writes rolled back")
    }

    @Test func aChangeToAHeldCaseRetriesItAtOnceAndClosingTheCaseEndsTheHold() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        bench.setDate("2026-04-06")
        try await bench.pass()

        try await bench.harness.send(
            PaymentMatched(
                paymentID: "p1",
                invoiceID: "ancient",
                amount: .init(minorUnits: 100, .sek),
                matchedBy: "ocr"
            )
        )
        #expect(try await bench.record("ancient")?.heldRetryAt == nil, "the change makes the next pass try it")
        try await bench.pass()
        let retried = try #require(try await bench.record("ancient"))
        #expect(retried.heldAttempts == 2 && retried.heldReason == "reference-rate-missing")

        let settled = try await bench.harness.send(
            PaymentMatched(
                paymentID: "p2",
                invoiceID: "ancient",
                amount: .init(minorUnits: 999_900, .sek),
                matchedBy: "ocr"
            )
        )
        #expect(try settled.first(CaseClosed.self)?.reason == "paid")
        let closed = try #require(try await bench.record("ancient"))
        #expect(closed.status == "closed" && closed.heldReason == nil && closed.heldSince == nil)
        #expect(try await bench.pass().summary.heldCases == 0)
        #expect(try await CollectionScheduler.heldCasesAttention(bench.harness.store).counts().isEmpty)
    }

    @Test func aRestartWithTheMissingRatesTriesEveryHeldCaseAndEndsTheHold() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        bench.setDate("2026-04-06")
        try await bench.pass()

        let configured = try ReferenceRateTable(
            [
                .init(from: CalendarDate("2023-01-01")!, basisPoints: 250),
                .init(from: CalendarDate("2026-07-01")!, basisPoints: 200),
            ] + ReferenceRateTable.riksbank.entries
        )
        let restarted = bench.scheduler(rates: configured)
        #expect(try await bench.pass(restarted).published.isEmpty, "before the restart's retry the hold waits")
        try await restarted.retryEveryHeldCase()
        let pass = try await bench.pass(restarted)
        #expect(pass.published.steps == ["collection-letter-sent"])
        #expect(pass.invoices.allSatisfy { $0 == "ancient" })
        let fees = try #require(try pass.published.decoded(FeesCharged.self).first)
        #expect(fees.interest.amount > 0, "interest from 2023-06-02 now has its rates")
        let record = try #require(try await bench.record("ancient"))
        #expect(record.heldReason == nil && record.heldAttempts == 0 && record.heldRetryAt == nil)
        #expect(pass.summary.heldCases == 0)
        #expect(bench.logs.all.contains { $0.message == "collection case no longer held" })
    }

    @Test func aCreditorsCommandStandsWhenTheStepItLeadsToIsHeld() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor("old-books", reminder: nil, collection: nil))
        try await bench.harness.send(
            CollectionBench.issued("ancient", creditorID: "old-books", invoiceDate: "2023-05-02", dueDate: "2023-06-01")
        )
        bench.setDate("2026-04-06")
        let sent = try await bench.harness.send(SendToCollection(invoiceID: "ancient"))
        #expect(sent.outcome == .processed)
        #expect(sent.types.isEmpty, "no letter and no fee: the step is held, \(sent.types)")
        let record = try #require(try await bench.record("ancient"))
        #expect(record.heldReason == "reference-rate-missing")
        #expect(try record.events == [.collectionRequested(on: CalendarDate("2026-04-06")!)])
    }

    @Test func theHeldCaseShowsInTheCaseListWithItsReason() async throws {
        let bench = try await Self.benchWithAnAncientCase()
        bench.setDate("2026-04-06")
        try await bench.pass()
        let (held, open, summary) = try await bench.harness.store.writer.read { db in
            (
                try CaseRoutes.CaseListQuery(parsing: [("status", "held")]).cases(db).items.map(
                    CaseRoutes.CaseView.init
                ),
                try CaseRoutes.CaseListQuery(parsing: []).cases(db).items.map(CaseRoutes.CaseView.init),
                try CaseRoutes.summary(db)
            )
        }
        #expect(held.map(\.invoiceID) == ["ancient"])
        let hold = try #require(held.first?.held)
        #expect(hold.reason == "reference-rate-missing")
        #expect(hold.since == bench.clock.now())
        #expect(hold.detail.contains("reference-rate table has no rate"))
        #expect(open.map(\.invoiceID) == ["ancient", "inv-1"], "held cases are still open")
        #expect(open.last?.held == nil)
        #expect(
            summary
                == .init(
                    open: 2,
                    closed: 0,
                    held: 1,
                    heldByReason: ["reference-rate-missing": 1],
                    oldestHeldSince: bench.clock.now()
                )
        )
        let json = String(decoding: try MessageCoding.makeEncoder().encode(held[0]), as: UTF8.self)
        #expect(json.contains(#""held":{"#) && json.contains(#""reason":"reference-rate-missing""#), "\(json)")
    }
}
