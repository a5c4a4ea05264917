import KvittContracts
import Testing

@testable import Invoicing

@Suite("Invoice pricing: lines, VAT per rate, öresavrundning")
struct InvoicePricingTests {
    func line(_ quantity: String, _ price: Int64, vat: Int) -> CreateInvoice.Line {
        CreateInvoice.Line(description: "x", quantity: DecimalQuantity(quantity)!, unitPrice: price, vatRate: vat)
    }

    @Test func vatPerRateAndRoundingToWholeKronor() throws {
        let priced = try InvoicePricing.price(
            [
                line("3", 19_990, vat: 25), line("2.5", 8_000, vat: 12), line("1", 4_999, vat: 6),
                line("1", 1_000, vat: 0),
            ],
            currency: .sek
        ).get()
        #expect(priced.lines.map(\.net.amount) == [59_970, 20_000, 4_999, 1_000])
        #expect(priced.totals.net.amount == 85_969)
        #expect(priced.totals.vat.map(\.rate) == [25, 12, 6, 0])
        #expect(priced.totals.vat.map(\.amount.amount) == [14_993, 2_400, 300, 0])
        // 85 969 + 17 693 = 103 662 öre → 1 037.00 kr; rounding +0.38 kr.
        #expect(priced.totals.rounding.amount == 38)
        #expect(priced.totals.total.amount == 103_700)
    }

    @Test func roundingHalfAwayFromZero() {
        #expect(InvoicePricing.roundedToWholeKronor(12_350) == 12_400)
        #expect(InvoicePricing.roundedToWholeKronor(12_349) == 12_300)
        #expect(InvoicePricing.roundedToWholeKronor(-12_350) == -12_400)
    }

    @Test func otherCurrenciesAreNotRounded() throws {
        let priced = try InvoicePricing.price([line("1", 1_234, vat: 25)], currency: .eur).get()
        #expect(priced.totals.rounding.isZero)
        #expect(priced.totals.total == Money(minorUnits: 1_543, .eur))
    }

    @Test func negativeQuantitiesMakeACredit() throws {
        let priced = try InvoicePricing.price([line("-2", 10_000, vat: 25)], currency: .sek).get()
        #expect(priced.totals.total.amount == -25_000)
    }

    @Test func lineErrorsNameTheirFields() {
        let result = InvoicePricing.price([line("0", 100, vat: 25), line("1", -5, vat: 10)], currency: .sek)
        guard case .failure(let errors) = result else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.errors.map(\.field) == ["lines[0].quantity", "lines[1].unitPrice", "lines[1].vatRate"])
    }

    @Test func skatteverketsROTExample() throws {
        // Labour 10 000 + materials 8 000, VAT 25 %: labour incl. VAT 12 500, ROT 30 % = 3 750.
        let labour = CreateInvoice.Line(
            description: "Arbete",
            quantity: DecimalQuantity("1")!,
            unitPrice: 1_000_000,
            vatRate: 25,
            taxReduction: .init(kind: "rot", workType: "Bygg", hours: DecimalQuantity("20"))
        )
        let material = line("1", 800_000, vat: 25)
        let priced = try InvoicePricing.price([labour, material], currency: .sek).get()
        #expect(priced.totals.total.amount == 2_250_000)
        let request = CreateInvoice.TaxReductionRequest(
            buyers: ["198112189876"],
            hoursToReport: 20,
            propertyDesignation: "Uppsala Kåbo 1:1"
        )
        let detail = try #require(try InvoicePricing.taxReductionDetail(priced.lines, request: request, currency: .sek))
        #expect(detail.labourCostIncludingVAT.amount == 1_250_000)
        #expect(detail.materialCost.amount == 800_000)
        #expect(detail.workTypes.map(\.workType) == ["Bygg"])
    }
}

@Suite("OCR references and status colours")
struct InvoiceNumberingTests {
    @Test func ocrFromInvoiceNumberPerControlLevel() throws {
        #expect(try InvoiceNumbering.ocr(for: 123, level: .hard).canonical == "1230")
        #expect(try InvoiceNumbering.ocr(for: 123, level: .soft).canonical == "1230")
        #expect(try InvoiceNumbering.ocr(for: 1_234_567_890, level: .variableLength).canonical == "123456789023")
        let fixed = try InvoiceNumbering.ocr(for: 1001, level: .fixedLength(8))
        #expect(fixed.canonical.count == 8)
        #expect(fixed.isValid(for: .fixedLength(8)))
    }

    @Test func coloursAroundTheWarningWindow() {
        let due = CalendarDate("2026-03-10")!
        func colour(_ today: String, balance: Int64 = 100) -> StatusColour {
            StatusColour.of(
                dueDate: due,
                balance: balance,
                issued: true,
                today: CalendarDate(today)!,
                warningWindowDays: 3
            )
        }
        #expect(colour("2026-03-01") == .green)
        #expect(colour("2026-03-06") == .green)
        #expect(colour("2026-03-07") == .yellow)
        #expect(colour("2026-03-10") == .yellow)
        #expect(colour("2026-03-11") == .red)
        #expect(colour("2026-03-11", balance: 0) == .closed)
        #expect(StatusColour.of(dueDate: due, balance: 100, issued: false, today: due, warningWindowDays: 3) == .draft)
    }
}
