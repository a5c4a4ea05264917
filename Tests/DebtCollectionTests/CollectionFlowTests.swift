import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Synchronization
import Testing

@testable import DebtCollection

/// Debt-collection's handlers and scheduler on an in-memory database, with a manual clock.
struct CollectionBench {
    let harness: ServiceHarness
    let scheduler: CollectionScheduler
    /// What the scheduler logged at info and above.
    let logs: LogRecorder
    /// The held-case counts the scheduler reported for its gauge, one per pass.
    var clock: ManualClock { harness.clock }

    /// A bench whose rate table is the built-in one and 2026-07-01, or `rates`.
    init(rates: ReferenceRateTable? = nil) throws {
        let rates =
            try rates
            ?? ReferenceRateTable(
                ReferenceRateTable.riksbank.entries + [.init(from: CalendarDate("2026-07-01")!, basisPoints: 200)]
            )
        let harness = try ServiceHarness(
            name: "debt-collection",
            migrations: { DebtCollectionSchema.register(&$0) },
            handlers: { DebtCollectionService.registerHandlers(&$0, rates: rates) }
        )
        let logs = LogRecorder()
        self.harness = harness
        self.logs = logs
        scheduler = Self.scheduler(harness, logs, rates: rates)
    }

    /// A scheduler on the bench's database and clock with its own rate table, as after a restart with other
    /// `REFERENCE_RATES`.
    func scheduler(rates: ReferenceRateTable) -> CollectionScheduler {
        Self.scheduler(harness, logs, rates: rates)
    }

    private static func scheduler(
        _ harness: ServiceHarness,
        _ logs: LogRecorder,
        rates: ReferenceRateTable
    ) -> CollectionScheduler {
        CollectionScheduler(
            store: harness.store,
            clock: harness.clock,
            rates: rates,
            logger: logs.logger(),
            outboxCommitted: {},
            interval: .seconds(1)
        )
    }

    func setDate(_ date: String) {
        clock.set(
            CalendarDate.stockholm.date(
                from: DateComponents(
                    year: Int(date.prefix(4)),
                    month: Int(date.dropFirst(5).prefix(2)),
                    day: Int(date.suffix(2)),
                    hour: 9
                )
            )!
        )
    }

    /// Runs the scheduler and returns the wire names and bodies it published.
    func tick() async throws -> [(type: String, body: [UInt8])] {
        try await pass().published
    }

    /// Runs one pass of `scheduler` (the bench's own by default) and returns what it did and what it published,
    /// with the correlation id (the invoice) of each message.
    @discardableResult
    func pass(_ scheduler: CollectionScheduler? = nil) async throws -> (
        summary: CollectionScheduler.Pass, published: [(type: String, body: [UInt8])], invoices: [String]
    ) {
        let before = try await harness.store.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM kvitt_outbox") ?? 0
        }
        let summary = try await (scheduler ?? self.scheduler).runOnce()
        let rows = try await harness.store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT type, body, correlation_id FROM kvitt_outbox WHERE id > ? ORDER BY id",
                arguments: [before]
            )
            .map { row in
                (type: row["type"] as String, body: [UInt8](row["body"] as Data), invoice: row["correlation_id"] ?? "")
            }
        }
        return (summary, rows.map { (type: $0.type, body: $0.body) }, rows.map(\.invoice))
    }

    func record(_ invoiceID: String) async throws -> CollectionCase? {
        try await harness.store.writer.read { db in try CollectionCase.fetchOne(db, key: invoiceID) }
    }

    static func creditor(_ creditorID: String = "acme", reminder: Int? = 5, collection: Int? = 15)
        -> CreditorRegistered
    {
        CreditorRegistered(
            creditor: RegisterCreditor(
                creditorID: creditorID,
                name: "Acme AB",
                organisationNumber: "556677-8899",
                bankgiro: "5050-1055",
                reminderFeeAgreed: true,
                paymentTermsDays: 30,
                ocrControl: .init(level: "hard"),
                invoiceNumberSeries: .init(start: 1),
                collection: .init(reminderDaysAfterDue: reminder, collectionDaysAfterDue: collection)
            )
        )
    }

    static func issued(
        _ invoiceID: String = "inv-1",
        amount: Int64 = 1_000_000,
        currency: Currency = .sek,
        creditorID: String = "acme",
        invoiceDate: String = "2026-03-02",
        dueDate: String = "2026-04-01",
        debtor: Debtor = Debtor(kind: "private", name: "Anna Andersson", identityNumber: "19811218-9876")
    ) -> InvoiceIssued {
        InvoiceIssued(
            invoiceID: invoiceID,
            creditorID: creditorID,
            invoiceNumber: "1001",
            ocr: "10017",
            kind: "debit",
            invoiceDate: CalendarDate(invoiceDate)!,
            dueDate: CalendarDate(dueDate)!,
            total: Money(minorUnits: amount, currency),
            taxReduction: .zero(currency),
            amountDue: Money(minorUnits: amount, currency),
            debtor: debtor,
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: "10017",
                reconcilableFromBankgiro: true
            )
        )
    }
}

/// Collects what a logger logs, for tests of what is logged and how often.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let entries = Mutex<[Entry]>([])

    /// Everything logged so far.
    var all: [Entry] { entries.withLock { $0 } }

    /// A logger at info that records here.
    func logger() -> Logger {
        Logger(label: "debt-collection-test") { _ in Handler(recorder: self) }
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append(
                Entry(
                    level: event.level,
                    message: event.message.description,
                    metadata: metadata.merging(event.metadata ?? [:]) { $1 }
                )
            )
        }
    }
}

extension Array where Element == (type: String, body: [UInt8]) {
    func decoded<M: KvittMessage>(_ type: M.Type) throws -> [M] {
        try filter { $0.type == M.messageType.rawValue }.map { try MessageCoding.decode(M.self, from: $0.body) }
    }
    /// The collection steps published, by the middle of their wire names (`reminder-sent`).
    var steps: [String] {
        let stepTypes = Set(
            MessageCatalogue.all.map { $0.messageType.rawValue }.filter {
                $0.hasPrefix("debt-collection.") && !$0.contains("charged") && !$0.contains("closed")
                    && !$0.contains("rejected")
            }
        )
        return filter { stepTypes.contains($0.type) }.map { String($0.type.split(separator: ".")[1]) }
    }
}

@Suite("Collection ladder: reminder to Kronofogden (in memory)")
struct CollectionFlowTests {
    @Test func fullLadderWithFeesInterestDecisionAndApplication() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        #expect(try await bench.record("inv-1")?.nextDate == "2026-04-06")

        bench.setDate("2026-04-03")
        #expect(try await bench.tick().isEmpty, "nothing before the reminder date")

        bench.setDate("2026-04-06")
        let reminder = try await bench.tick()
        #expect(reminder.steps == ["reminder-sent"])
        #expect(try reminder.decoded(FeesCharged.self).first?.total == Money(minorUnits: 6_000, .sek))

        bench.setDate("2026-04-16")
        let letter = try await bench.tick()
        #expect(letter.steps == ["collection-letter-sent"])
        let fees = try #require(try letter.decoded(FeesCharged.self).first)
        #expect(fees.fees.map(\.amount.amount) == [18_000])
        // 10 000 kr at 2 % + 8 % from 2026-04-01 to 2026-04-16: 15 days × 10 000 × 10 % / 365 = 41.10 kr.
        #expect(fees.interest == Money(minorUnits: 4_110, .sek))
        let payBy = try #require(try letter.decoded(CollectionLetterSent.self).first?.payBy)
        #expect(CalendarDate("2026-04-16")!.days(until: payBy) >= 8)

        bench.setDate(payBy.adding(days: 1).description)
        #expect(try await bench.tick().steps == ["creditor-decision-requested"])
        let decided = try await bench.harness.send(DecideEnforcement(invoiceID: "inv-1", proceed: true))
        let application = try #require(try decided.first(EnforcementApplicationPrepared.self))
        #expect(application.detail?.contains("\"invoiceNumber\":\"1001\"") == true)
        #expect(try decided.all(FeesCharged.self).first?.fees.first?.amount == Money(minorUnits: 30_000, .sek))
        let record = try #require(try await bench.record("inv-1"))
        #expect(try record.outstanding == 1_000_000 + 6_000 + 18_000 + 30_000 + 4_110)
        #expect(record.dueDate == "2026-04-01", "the due date never changes")
    }

    @Test func aClaimInEurosGetsInterestButNoKronorFees() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued("eur", amount: 100_000, currency: Currency(code: "EUR")!))
        bench.setDate("2026-04-06")
        let reminder = try await bench.tick()
        #expect(reminder.steps == ["reminder-sent"])
        #expect(try reminder.decoded(FeesCharged.self).isEmpty, "the 60 kr reminder fee is not put on a euro claim")
        bench.setDate("2026-04-16")
        let letter = try await bench.tick()
        let fees = try #require(try letter.decoded(FeesCharged.self).first)
        #expect(fees.fees.isEmpty && fees.interest.currency == Currency(code: "EUR"))
        // 1 000 EUR at 2 % + 8 % for 15 days: 4.11 EUR.
        #expect(fees.interest.amount == 411)
        #expect(try await bench.record("eur")?.fees == 0)
        let payBy = try #require(try letter.decoded(CollectionLetterSent.self).first?.payBy)
        #expect(try letter.decoded(CollectionLetterSent.self).first?.detail?.contains("not a kronor claim") == true)
        bench.setDate(payBy.adding(days: 1).description)
        #expect(try await bench.tick().steps == ["creditor-decision-requested"])
        // The application to Kronofogden goes ahead for a euro claim too, with its interest and no kronor fees.
        let decided = try await bench.harness.send(DecideEnforcement(invoiceID: "eur", proceed: true))
        let application = try #require(try decided.first(EnforcementApplicationPrepared.self))
        #expect(application.detail?.contains("\"currency\":\"EUR\"") == true)
        #expect(application.detail?.contains("SEK") == false, "\(application.detail ?? "")")
        #expect(try decided.all(FeesCharged.self).isEmpty)
    }

    @Test func aPaymentForAnInvoiceNotSeenYetWaitsInsteadOfBeingDropped() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        let early = PaymentMatched(
            paymentID: "p-early",
            invoiceID: "later",
            amount: Money(minorUnits: 1_000_000, .sek),
            matchedBy: "ocr"
        )
        let waiting = try await bench.harness.send(early, id: "early-1")
        guard case .retry(let attempt, _, let detail) = waiting.outcome else {
            Issue.record("expected a retry, got \(waiting.outcome)")
            return
        }
        #expect(attempt == 1 && detail.contains("unknown-invoice"))
        try await bench.harness.send(CollectionBench.issued("later"))
        let settled = try await bench.harness.send(early, id: "early-1")
        #expect(try settled.first(CaseClosed.self)?.reason == "paid")
    }

    @Test func paymentAndRecallCloseTheCase() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued("paid"))
        try await bench.harness.send(CollectionBench.issued("recalled"))
        let paid = try await bench.harness.send(
            PaymentMatched(
                paymentID: "p",
                invoiceID: "paid",
                amount: Money(minorUnits: 1_000_000, .sek),
                matchedBy: "ocr"
            )
        )
        #expect(try paid.first(CaseClosed.self)?.reason == "paid")
        let recalled = try await bench.harness.send(RecallCollection(invoiceID: "recalled"))
        #expect(try recalled.first(CaseClosed.self)?.reason == "recalled")
        bench.setDate("2026-06-01")
        #expect(try await bench.tick().isEmpty, "closed cases take no more steps")
        let again = try await bench.harness.send(SendToCollection(invoiceID: "recalled"))
        #expect(again.rejection(DebtCollectionCommandRejected.self) != nil)
    }

    @Test func postponeMovesTheNextEventNotTheDueDate() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-04-02")
        let moved = try await bench.harness.send(PostponeNextEvent(invoiceID: "inv-1", to: CalendarDate("2026-04-20")!))
        #expect(try moved.first(NextEventPostponed.self)?.payBy == CalendarDate("2026-04-20"))
        #expect(try await bench.record("inv-1")?.nextDate == "2026-04-20")
        bench.setDate("2026-04-10")
        #expect(try await bench.tick().isEmpty)
        bench.setDate("2026-04-20")
        #expect(try await bench.tick().steps == ["reminder-sent"])
        #expect(try await bench.record("inv-1")?.dueDate == "2026-04-01")
        let backwards = try await bench.harness.send(
            PostponeNextEvent(invoiceID: "inv-1", to: CalendarDate("2026-04-01")!)
        )
        #expect(backwards.rejection(DebtCollectionCommandRejected.self)?.errors.first?.field == "to")
    }

    @Test func installmentPlanChargesItsFeeAndAMissedInstallmentResumesTheLadder() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor(reminder: nil, collection: nil))
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-04-10")
        let plan = try await bench.harness.send(
            CreateInstallmentPlan(
                invoiceID: "inv-1",
                dates: ["2026-05-01", "2026-06-01", "2026-07-01"].map { CalendarDate($0)! }
            )
        )
        #expect(try plan.first(FeesCharged.self)?.total == Money(minorUnits: 17_000, .sek))
        #expect(try plan.first(InstallmentPlanCreated.self)?.payBy == CalendarDate("2026-05-01"))
        bench.setDate("2026-05-02")
        #expect(try await bench.tick().steps == ["installment-missed"])
        #expect(try await bench.record("inv-1")?.plan == nil)
    }

    @Test func longTermSurveillanceSendsQuarterlyLetters() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor(reminder: nil, collection: nil))
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-05-04")
        let started = try await bench.harness.send(StartLongTermSurveillance(invoiceID: "inv-1"))
        #expect(try started.all(SurveillanceLetterSent.self).count == 1)
        bench.setDate("2026-08-04")
        let next = try await bench.tick()
        #expect(next.steps == ["surveillance-letter-sent"])
        #expect(try next.decoded(SurveillanceLetterSent.self).count == 1)
    }
}
