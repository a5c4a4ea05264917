import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

/// A known payer's payment that names none of its invoices lists the payer's open invoices as candidates, however
/// many paid invoices the payer has.
@Suite("A payer's open invoices as candidates")
struct PayersOpenInvoicesTests {
    typealias H = PaymentMatchingHarness

    static let kund = MatchingSemanticsTests.kund

    /// Invoice `number` of Kund AB, 1,000 kr, due `dueDate`.
    static func issued(_ number: Int64, due dueDate: String) throws -> InvoiceIssued {
        var issued = try MatchingSemanticsTests.issued(number, 100_000, kund)
        issued.dueDate = CalendarDate(dueDate)!
        return issued
    }

    @Test func theOpenInvoiceAfterTwentyFivePaidOnesIsTheCandidate() async throws {
        let harness = try H()
        // 25 invoices due in January, each paid by its OCR; the open one is due last.
        for number in Int64(4001)...4025 {
            let day = String(format: "%02d", number - 4000)
            try await harness.send(try Self.issued(number, due: "2026-01-\(day)"))
            let paid = try await harness.send(
                H.bankgiroPayment("paid-\(number)", amount: 100_000, reference: MatchingSemanticsTests.ocr(number))
            )
            #expect(try paid.first(PaymentMatched.self)?.invoiceID == "inv-\(number)")
        }
        try await harness.send(try Self.issued(4026, due: "2026-04-01"))

        // Kund AB pays from its organisationsnummer with a message that names no invoice.
        let payment = RegisterPayment(
            source: "swish",
            sourceID: "sw-kund",
            amount: Money(minorUnits: 12_345, .sek),
            paymentDate: CalendarDate("2026-03-20")!,
            message: "Betalning mars",
            payer: .init(name: "Kund AB", organisationNumber: "556036-0793"),
            creditorID: "acme"
        )
        let result = try await harness.send(payment)
        #expect(try result.first(PaymentMatched.self) == nil)
        let unmatched = try #require(try result.first(PaymentUnmatched.self))
        let listed = try #require(
            try await harness.listedUnmatched().first
        )
        #expect(listed.id == unmatched.paymentID)
        #expect(listed.candidates.map(\.invoiceNumber) == ["4026"])
        #expect(listed.candidates.first?.reason == "an open invoice of the payer; the payment names none")
        #expect(unmatched.reason.contains("candidates are listed"))
    }

    @Test func thePayersOpenInvoicesAreListedEarliestDueFirstAtMostFive() async throws {
        let harness = try H()
        // Seven open invoices, issued in an order unlike their due dates.
        for (number, due) in [
            (Int64(5007), "2026-07-01"), (5003, "2026-03-01"), (5001, "2026-01-01"), (5006, "2026-06-01"),
            (5002, "2026-02-01"), (5005, "2026-05-01"), (5004, "2026-04-01"),
        ] {
            try await harness.send(try Self.issued(number, due: due))
        }
        let result = try await harness.send(
            RegisterPayment(
                source: "swish",
                sourceID: "sw-kund-2",
                amount: Money(minorUnits: 777, .sek),
                paymentDate: CalendarDate("2026-03-20")!,
                message: "Betalning",
                payer: .init(name: "Kund AB", organisationNumber: "556036-0793"),
                creditorID: "acme"
            )
        )
        #expect(try result.first(PaymentUnmatched.self) != nil)
        let listed = try #require(
            try await harness.listedUnmatched().first
        )
        #expect(listed.candidates.map(\.invoiceNumber) == ["5001", "5002", "5003", "5004", "5005"])
    }
}
