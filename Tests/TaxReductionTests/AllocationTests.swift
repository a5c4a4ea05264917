import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import TaxReduction

@Suite("Allocating ROT/RUT between buyers")
struct AllocationTests {
    let anna = try! Personnummer(parsing: "19811218-9876")
    let bo = try! Personnummer(parsing: "19800101-0019")
    let cia = try! Personnummer(parsing: "19701063-2391")

    func buyer(_ number: Personnummer, used: Int64 = 0, usedROT: Int64 = 0) -> ReductionAllocation.Buyer {
        .init(personnummer: number, usedTotal: used, usedROT: usedROT)
    }

    @Test func eachBuyersShareIsTheRateOfTheirLabourInWholeKronor() {
        // Labour 10 000.03 kr over three buyers in whole kronor: 3 334.03 + 3 333 + 3 333 kr, so that the claim files'
        // PrisForArbete add up to the invoice's 10 000 kr. RUT 50 % of each, rounded down: 1 667 + 1 666 + 1 666 kr.
        // Splitting the rounded 5 000 kr instead could ask 1 667 kr on 3 333 kr, more than the buyer paid for the
        // labour (Begärt ≤ Betalt), which Skatteverket refuses.
        let shares = ReductionAllocation.allocate(
            kind: .rut,
            labour: 1_000_003,
            percent: 50,
            hours: 10,
            buyers: [buyer(anna), buyer(bo), buyer(cia)],
            year: 2026
        )
        #expect(shares.map(\.amount) == [166_700, 166_600, 166_600])
        #expect(shares.map(\.labour) == [333_403, 333_300, 333_300])
        #expect(shares.allSatisfy { $0.amount * 2 <= $0.labour })
        #expect(shares.map(\.hours) == [4, 3, 3])
        #expect(shares.reduce(0) { $0 + $1.labour } == 1_000_003)
        #expect(shares.allSatisfy { $0.capWarning == nil })
    }

    @Test func ratesByPaymentDate() {
        #expect(ReductionRates.percent(.rut, paidOn: CalendarDate("2026-03-01")!) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2026-03-01")!) == 30)
        let inPeriod = CreateInvoice.WorkPeriod(from: CalendarDate("2025-05-12")!, through: CalendarDate("2025-12-31")!)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-05-11")!, work: inPeriod) == 30)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-05-12")!, work: inPeriod) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-12-31")!, work: inPeriod) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2026-01-01")!, work: inPeriod) == 30)
        #expect(ReductionRates.percent(.rut, paidOn: CalendarDate("2025-06-01")!, work: inPeriod) == 50)
    }

    /// The temporary 50 % ROT needs the work done in 12 May – 31 December 2025 too: without a stated work period, or
    /// with work begun before 12 May, the standing 30 % applies (the conservative rule, docs/domain.md §5.1).
    @Test func theTemporaryRateNeedsTheWorkInThePeriod() {
        let paid = CalendarDate("2025-06-10")!
        #expect(ReductionRates.percent(.rot, paidOn: paid) == 30)
        let before = CreateInvoice.WorkPeriod(from: CalendarDate("2025-05-05")!, through: CalendarDate("2025-05-20")!)
        #expect(ReductionRates.percent(.rot, paidOn: paid, work: before) == 30)
        let within = CreateInvoice.WorkPeriod(from: CalendarDate("2025-05-12")!, through: CalendarDate("2025-06-09")!)
        #expect(ReductionRates.percent(.rot, paidOn: paid, work: within) == 50)
    }

    /// What an invoice reports is divided between its buyers, never repeated: the parts add up to the whole.
    @Test func workIsDividedBetweenBuyersSoTheTotalsAreTheInvoices() {
        let work = [
            ClaimRecord.Work(workType: "Bygg", hours: 25, materialCost: 300_050),
            ClaimRecord.Work(workType: "El", hours: 15, materialCost: 200_000),
        ]
        let lists = ClaimSplit.perBuyer(work, buyers: 2)
        #expect(lists.count == 2)
        for type in ["Bygg", "El"] {
            let parts = lists.map { $0.first { $0.workType == type } }
            #expect(parts.allSatisfy { $0 != nil })
        }
        #expect(lists.flatMap { $0 }.reduce(0) { $0 + $1.hours } == 40)
        #expect(lists.flatMap { $0 }.reduce(0) { $0 + $1.materialCost } == 500_000, "whole kronor: 5 000 kr")
        // The odd hour of each type goes to the buyers in turn, so each buyer has half of the 40 hours.
        #expect(lists.map { $0.reduce(0) { $0 + $1.hours } } == [20, 20])
        // The hours to report, spread over the types by the lines' hours.
        #expect(ClaimSplit.hoursPerType(40, weights: [30_000, 10_000]) == [30, 10])
        #expect(ClaimSplit.hoursPerType(7, weights: [0, 0]) == [4, 3])
        // A payment of a third of what is open settles a third, rounded down to whole kronor; the rest stays open.
        #expect(ClaimSplit.portion(1_000_050, paid: 1, of: 3, unit: 100) == 333_300)
        #expect(ClaimSplit.portion(1_000_050, paid: 3, of: 3, unit: 100) == 1_000_050)
        #expect(ClaimSplit.kronorParts(1_000_003, into: 3) == [333_403, 333_300, 333_300])
    }

    @Test func capsCutTheShareAndSaySo() {
        // 74 000 kr already used: only 1 000 kr left of the 75 000 kr cap.
        let rut = ReductionAllocation.allocate(
            kind: .rut,
            labour: 1_000_000,
            percent: 50,
            hours: 4,
            buyers: [buyer(anna, used: 7_400_000)],
            year: 2026
        )
        #expect(rut[0].amount == 100_000)
        #expect(rut[0].capWarning?.contains("19811218-****") == true)
        #expect(rut[0].capWarning?.contains("9876") == false)
        // ROT is also capped at 50 000 kr on its own.
        let rot = ReductionAllocation.allocate(
            kind: .rot,
            labour: 10_000_000,
            percent: 30,
            hours: 40,
            buyers: [buyer(bo, used: 4_900_000, usedROT: 4_900_000)],
            year: 2026
        )
        #expect(rot[0].amount == 100_000)
    }

    @Test func skatteverketsWorkedExample() {
        // Labour 10 000 + materials 8 000, 25 % VAT: labour incl. VAT 12 500, ROT 30 % = 3 750; the customer pays 18 750.
        let shares = ReductionAllocation.allocate(
            kind: .rot,
            labour: 1_250_000,
            percent: 30,
            hours: 20,
            buyers: [buyer(anna)],
            year: 2026
        )
        #expect(shares[0].amount == 375_000)
        #expect(2_250_000 - shares[0].amount == 1_875_000)
    }

    @Test func theFAQsTenHourExample() {
        // "har ni utfört RUT arbete på 10 timmar så ska ni ange 10 timmar … för att få skattereduktion på 5 timmar":
        // 10 hours at 400 kr + 25 % VAT = 5 000 kr; RUT 50 % = 2 500 kr, the worth of 5 of the 10 hours; 10 are reported.
        let shares = ReductionAllocation.allocate(
            kind: .rut,
            labour: 500_000,
            percent: 50,
            hours: 10,
            buyers: [buyer(anna)],
            year: 2026
        )
        #expect(shares[0].hours == 10)
        #expect(shares[0].amount == 250_000)
        #expect(shares[0].amount * 2 == 500_000, "the reduction is worth half of the hours")
    }
}
