import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// Credits of an original whose lines are far above and below zero: summed across lines, one side of them leaves
/// any `Int64`, and the credit is refused with a field error instead of trapping the service.
@Suite("Credits of huge lines are refused, never trap")
struct CreditOverflowTests {
    /// Lines of ±9 × 10¹³ minor units each, at 25 %: 4 200 of them sum to 3.78 × 10¹⁷, whose VAT (× 25) is beyond
    /// `Int64.max`. With one 100 kr line so the original's total is 125 kr.
    static let hugeLines = 4_200
    static let huge: Int64 = 90_000_000_000_000

    static func seesawInvoice() -> CreateInvoice {
        let up = CreateInvoice.Line(description: "Upp", quantity: DecimalQuantity("1")!, unitPrice: huge, vatRate: 25)
        let down = CreateInvoice.Line(
            description: "Ned",
            quantity: DecimalQuantity("-1")!,
            unitPrice: huge,
            vatRate: 25
        )
        let small = CreateInvoice.Line(
            description: "Tjänst",
            quantity: DecimalQuantity("1")!,
            unitPrice: 10_000,
            vatRate: 25
        )
        return InvoicingHarness.invoice(
            externalID: "seesaw",
            lines: Array(repeating: up, count: hugeLines) + Array(repeating: down, count: hugeLines) + [small]
        )
    }

    private func issuedSeesaw(_ harness: InvoicingHarness) async throws -> InvoiceCreated {
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(
            try await harness.send(Self.seesawInvoice()).first(InvoiceCreated.self),
            "the original itself is within every bound"
        )
        #expect(created.totals.total == Money(minorUnits: 12_500, .sek))
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        return created
    }

    @Test func aCreditOfOneSideOfTheLinesIsRefusedWithTheLinesField() async throws {
        let harness = try InvoicingHarness()
        let original = try await issuedSeesaw(harness)

        // Every line above zero, by what remains of each: the VAT base would be 3.78 × 10¹⁷.
        let upLines = (0..<Self.hugeLines).map { CreateCreditInvoice.CreditedLine(lineIndex: $0) }
        let byRemains = try await harness.send(
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "up", lines: upLines)
        )
        #expect(byRemains.rejectedFields == ["lines"])
        #expect(byRemains.rejection?.errors.first?.message.contains("largest invoice amount") == true)

        // The same by amount per line.
        let byAmount = try await harness.send(
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "up-by-amount",
                lines: (0..<Self.hugeLines).map {
                    CreateCreditInvoice.CreditedLine(lineIndex: $0, amount: Money(minorUnits: Self.huge, .sek))
                }
            )
        )
        #expect(byAmount.rejectedFields == ["lines"])

        // A credit by total amount of an original with lines below zero is refused as before.
        let total = try await harness.send(
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "by-total",
                amount: Money(minorUnits: 5_000, .sek)
            )
        )
        #expect(total.rejectedFields == ["amount"])

        // The full credit is within bounds: the original's own total.
        let full = try await harness.send(
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "all")
        )
        let draft = try #require(try full.first(InvoiceCreated.self), "\(full.rejectedFields)")
        #expect(draft.totals.total == Money(minorUnits: -12_500, .sek))
        #expect(draft.totals.vat.map(\.amount) == [Money(minorUnits: -2_500, .sek)])
    }

    @Test func creditTotalsBeyondTheLargestAmountAreRefused() throws {
        var history = CreditHistory()
        history.bases = [25: InvoicePricing.maximumAmount]
        history.vat = [25: InvoicePricing.maximumAmount / 4]
        history.total = InvoicePricing.maximumAmount
        #expect(throws: FieldErrors.self) {
            try CreditPricing.totals(creditingBases: [25: 1], after: history, currency: .sek)
        }
        #expect(throws: FieldErrors.self) {
            try CreditPricing.totals(creditingBases: [25: .max, 12: .max], after: CreditHistory(), currency: .sek)
        }
        let fine = try CreditPricing.totals(creditingBases: [25: 10_000], after: CreditHistory(), currency: .sek)
        #expect(fine.total == Money(minorUnits: -12_500, .sek))
    }
}
