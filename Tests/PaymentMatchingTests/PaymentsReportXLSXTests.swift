import KvittContracts
import KvittSpreadsheet
import Testing

@testable import PaymentMatching

/// The Excel form of the payments report holds every amount a bank file can carry, exactly.
@Suite("Payments report as a workbook")
struct PaymentsReportXLSXTests {
    /// A payment of `amount` öre, as the report lists it.
    private func payment(_ amount: Int64) -> PaymentQueries.PaymentView {
        PaymentQueries.PaymentView(
            id: "p-1",
            source: "bgmax",
            sourceID: "bgmax-1",
            amount: Money(minorUnits: amount, .sek),
            unapplied: Money(minorUnits: amount, .sek),
            paymentDate: CalendarDate("2026-03-20")!,
            status: "unmatched",
            reference: nil,
            message: nil,
            payerName: nil,
            note: nil,
            allocations: [],
            candidates: []
        )
    }

    @Test func anAmountOfEighteenDigitsIsWrittenAsItsExactTextNotRefused() throws {
        let largest = Money(minorUnits: 999_999_999_999_999_999, .sek)
        #expect(PaymentsReportXLSX.money(largest) == .amountText(largest.description))
        #expect(largest.description.hasPrefix("9999999999999999"), "every digit: \(largest.description)")
        let workbook = try PaymentsReportXLSX.render([
            payment(999_999_999_999_999_999), payment(-999_999_999_999_999_999),
        ])
        #expect(workbook.starts(with: [0x50, 0x4B]), "a zip container")
    }

    @Test func anAmountASpreadsheetHoldsExactlyStaysANumber() {
        let exact = Money(minorUnits: Spreadsheet.largestExactNumber, .sek)
        #expect(PaymentsReportXLSX.money(exact) == .money(minorUnits: exact.amount, currency: "SEK"))
        let over = Money(minorUnits: Spreadsheet.largestExactNumber + 1, .sek)
        #expect(PaymentsReportXLSX.money(over) == .amountText(over.description))
    }
}
