import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

/// Edge records in a BgMax file, on payment-matching's real handlers in memory.
@Suite("BgMax edge records")
struct BankFileEdgeTests {
    typealias H = PaymentMatchingHarness

    /// A payment record of 0 öre naming an invoice pays nothing: it stays unmatched with the reason, so an operator
    /// sees it, and the invoice owes what it did.
    @Test func aPaymentOfZeroIsUnmatchedWithTheReason() async throws {
        let harness = try H()
        try await harness.send(try MatchingSemanticsTests.issued(6001, 100_000, MatchingSemanticsTests.kund))
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(
                    reference: MatchingSemanticsTests.ocr(6001),
                    amount: 0,
                    code: 2,
                    serial: "1"
                )
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        #expect(try imported.all(PaymentMatched.self).isEmpty)
        let unmatched = try #require(try imported.first(PaymentUnmatched.self))
        #expect(unmatched.reason.contains("nothing to allocate"))
        #expect(try await harness.receivable("inv-6001")?.balance == 100_000)
        let listed = try await harness.listedUnmatched()
        #expect(listed.map(\.amount) == [Money(minorUnits: 0, .sek)])
    }
}
