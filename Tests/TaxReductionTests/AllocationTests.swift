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
        // Labour 10 000.03 kr over three buyers: 3 333.35 + 3 333.34 + 3 333.34 kr. RUT 50 % of each, rounded down:
        // 1 666 kr each. Splitting the rounded 5 000 kr instead would ask 1 667 kr on 3 333.35 kr, more than the
        // buyer paid for the labour (Begärt ≤ Betalt), which Skatteverket refuses.
        let shares = ReductionAllocation.allocate(
            kind: .rut,
            labour: 1_000_003,
            percent: 50,
            hours: 10,
            buyers: [buyer(anna), buyer(bo), buyer(cia)],
            year: 2026
        )
        #expect(shares.map(\.amount) == [166_600, 166_600, 166_600])
        #expect(shares.allSatisfy { $0.amount * 2 <= $0.labour })
        #expect(shares.map(\.hours) == [4, 3, 3])
        #expect(shares.reduce(0) { $0 + $1.labour } == 1_000_003)
        #expect(shares.allSatisfy { $0.capWarning == nil })
    }

    @Test func ratesByPaymentDate() {
        #expect(ReductionRates.percent(.rut, paidOn: CalendarDate("2026-03-01")!) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2026-03-01")!) == 30)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-05-11")!) == 30)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-05-12")!) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2025-12-31")!) == 50)
        #expect(ReductionRates.percent(.rot, paidOn: CalendarDate("2026-01-01")!) == 30)
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
