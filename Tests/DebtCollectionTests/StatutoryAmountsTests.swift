import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

/// The amounts the law gives a creditor, charged through the real handlers and scheduler (in memory): the 450 kr
/// förseningsersättning from a business debtor, and interest that waits for a missing reference rate instead of
/// stopping short.
@Suite("Statutory amounts: förseningsersättning and interest across a missing rate")
struct StatutoryAmountsTests {
    static let company = Debtor(kind: "company", name: "Byggbolaget i Norr AB", identityNumber: "556036-0793")
    static let compensationBasis = "lag (1981:739) om ersättning för inkassokostnader m.m. 4 a §"

    @Test func aBusinessDebtorPaysFourHundredFiftyKronorOnceAndNoOtherInkassoFees() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued(debtor: Self.company))

        bench.setDate("2026-04-06")
        let reminder = try await bench.tick()
        #expect(reminder.steps == ["reminder-sent"])
        let reminderFees = try #require(try reminder.decoded(FeesCharged.self).first)
        #expect(reminderFees.fees.map(\.kind) == ["late-payment-compensation"])
        #expect(reminderFees.fees.first?.amount == Money(minorUnits: 45_000, .sek))
        #expect(reminderFees.fees.first?.legalBasis == Self.compensationBasis)

        bench.setDate("2026-04-16")
        let letter = try await bench.tick()
        #expect(letter.steps == ["collection-letter-sent"])
        // 5 §: the 180 kr inkasso fee is owed only beyond the 450 kr, which it does not reach: interest only.
        let letterFees = try #require(try letter.decoded(FeesCharged.self).first)
        #expect(letterFees.fees.isEmpty)
        #expect(letterFees.interest == Money(minorUnits: 4_110, .sek))

        let payBy = try #require(try letter.decoded(CollectionLetterSent.self).first?.payBy)
        bench.setDate(payBy.adding(days: 1).description)
        #expect(try await bench.tick().steps == ["creditor-decision-requested"])
        let decided = try await bench.harness.send(DecideEnforcement(invoiceID: "inv-1", proceed: true))
        let application = try #require(try decided.first(EnforcementApplicationPrepared.self)?.detail)
        #expect(application.contains(#""kind":"latePaymentCompensation""#), "\(application)")
        #expect(application.contains(#""legalBasis":"\#(Self.compensationBasis)""#), "\(application)")
        #expect(!application.contains(#""kind":"collectionLetter""#) && !application.contains(#""kind":"reminder""#))
        let kronofogden = try #require(try decided.all(FeesCharged.self).first?.fees.first)
        #expect(kronofogden.kind == "kronofogden-application" && kronofogden.amount.amount == 30_000)
        let record = try #require(try await bench.record("inv-1"))
        #expect(record.latePaymentCompensationCharged)
        #expect(record.fees == 45_000 + 30_000)
    }

    @Test func aConsumerStillPaysTheReminderAndInkassoFeesUnderTheirOwnParagraphs() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-04-06")
        let reminder = try #require(try await bench.tick().decoded(FeesCharged.self).first)
        #expect(reminder.fees.map(\.kind) == ["reminder"])
        #expect(reminder.fees.first?.legalBasis?.contains("2 §") == true)
        bench.setDate("2026-04-16")
        let letter = try #require(try await bench.tick().decoded(FeesCharged.self).first)
        #expect(letter.fees.map(\.kind) == ["collection-letter"] && letter.fees.first?.amount.amount == 18_000)
        #expect(letter.fees.first?.legalBasis?.contains("3 § 1") == true)
    }

    @Test func interestAcrossAMissingHalfYearHoldsTheCaseAndResumesInFull() async throws {
        // The built-in table ends 2026-06-30; the inkassokrav on 2026-07-05 needs the rate from 2026-07-01.
        let bench = try CollectionBench(rates: .riksbank)
        try await bench.harness.send(CollectionBench.creditor(reminder: nil, collection: 15))
        try await bench.harness.send(CollectionBench.issued(invoiceDate: "2026-05-21", dueDate: "2026-06-20"))
        bench.setDate("2026-07-05")
        let held = try await bench.pass()
        #expect(held.published.isEmpty, "no letter with interest cut short at 2026-06-30")
        #expect(held.summary.heldCases == 1)
        let record = try #require(try await bench.record("inv-1"))
        #expect(record.heldReason == "reference-rate-missing")
        #expect(record.heldDetail?.contains("2026-07-01") == true, "\(record.heldDetail ?? "")")
        #expect(record.interest == 0 && record.fees == 0)

        // The operator adds the half-year and restarts: the letter goes out with the interest for every day.
        let restarted = bench.scheduler(
            rates: try ReferenceRateTable(
                ReferenceRateTable.riksbank.entries + [.init(from: CalendarDate("2026-07-01")!, basisPoints: 200)]
            )
        )
        try await restarted.retryEveryHeldCase()
        let resumed = try await bench.pass(restarted)
        #expect(resumed.published.steps == ["collection-letter-sent"])
        let fees = try #require(try resumed.published.decoded(FeesCharged.self).first)
        // 10 000 kr at 2 % + 8 % for 2026-06-21 through 2026-07-05: 15 days × 10 000 × 10 % / 365 = 41.10 kr.
        #expect(fees.interest == Money(minorUnits: 4_110, .sek))
        #expect(try await bench.record("inv-1")?.heldReason == nil)
    }
}
