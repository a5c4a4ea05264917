import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

@Suite("Importing BgMax files (in memory)")
struct BankgiroImportTests {
    typealias H = PaymentMatchingHarness

    static var sampleURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("../shared/reference/bgmax-synthetic-sample.txt")
    }

    /// Invoices payable to the sample's bankgiro 5402-9681, with a variable-length OCR creditor's references.
    func harnessForSample() async throws -> H {
        let harness = try H(allowTestBankFiles: true)
        for (id, number, amount) in [
            ("inv-1000", Int64(1000), Int64(125_000)), ("inv-1043", 1043, 30_000), ("inv-1044", 1044, 20_000),
        ] {
            var issued = try H.issued(id, number: number, amount: amount)
            issued.ocr = try OCRReference.make(from: String(number), for: .variableLength).canonical
            issued.paymentMeans.bankgiro = "5402-9681"
            try await harness.send(issued)
        }
        return harness
    }

    @Test func sampleFileSettlesByOCRAndByInvoiceNumbersInFreeText() async throws {
        let harness = try await harnessForSample()
        let bytes = try [UInt8](Data(contentsOf: Self.sampleURL))
        let imported = try await harness.send(ImportBankgiroFile(fileName: "sample.txt", latin1: bytes))
        #expect(imported.rejection(PaymentMatchingCommandRejected.self) == nil)
        let matched = try imported.all(PaymentMatched.self)
        #expect(matched.map(\.invoiceID) == ["inv-1000", "inv-1043", "inv-1044"])
        #expect(matched.map(\.matchedBy) == ["ocr", "invoice-number", "invoice-number"])
        #expect(try imported.all(InvoicePaid.self).map(\.invoiceID) == ["inv-1000", "inv-1043", "inv-1044"])
        let summary = try #require(try imported.first(BankgiroFileImported.self))
        #expect(summary.payments == 2 && summary.deposits == 1 && summary.total == Money(minorUnits: 175_000, .sek))

        let again = try await harness.send(ImportBankgiroFile(fileName: "sample.txt", latin1: bytes))
        #expect(again.messages.isEmpty, "importing the same file twice changes nothing")
    }

    @Test func fileThatDoesNotAddUpIsRejectedWithTheReason() async throws {
        let harness = try await harnessForSample()
        var text = String(decoding: try Data(contentsOf: Self.sampleURL), as: UTF8.self)
        text = text.replacingOccurrences(of: "000000000000175000SEK", with: "000000000000175001SEK")
        let rejected = try await harness.send(ImportBankgiroFile(content: text))
        let error = try #require(rejected.rejection(PaymentMatchingCommandRejected.self)?.errors.first)
        #expect(error.field == "content")
        #expect(error.message.contains("line 10"))
        #expect(try await harness.receivable("inv-1000")?.paid == 0, "nothing of a rejected file is applied")
    }

    @Test func extraReferencesSettleSeveralInvoicesInOrder() async throws {
        let harness = try await harnessForSample()
        let ocr1043 = try OCRReference.make(from: "1043", for: .variableLength).canonical
        let ocr1044 = try OCRReference.make(from: "1044", for: .variableLength).canonical
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "54029681",
                date: "20260320",
                serial: "00007",
                records: [
                    BgMaxBuilder.payment(
                        reference: "\(ocr1043) \(ocr1044)",
                        amount: 60_000,
                        code: 3,
                        serial: "000000000101"
                    ),
                    BgMaxBuilder.extraReference(ocr1043, serial: "000000000101"),
                    BgMaxBuilder.extraReference(ocr1044, serial: "000000000101"),
                ],
                total: 60_000,
                count: 1
            )
        ])
        let imported = try await harness.send(ImportBankgiroFile(latin1: file))
        let matched = try imported.all(PaymentMatched.self)
        #expect(matched.map(\.invoiceID) == ["inv-1043", "inv-1044"])
        #expect(matched.map(\.matchedBy) == ["extra-reference", "extra-reference"], "both came as extra references")
        #expect(matched.map(\.amount.amount) == [30_000, 20_000])
        #expect(try imported.first(OverpaymentRecorded.self)?.amount == Money(minorUnits: 10_000, .sek))
    }

    @Test func deductionIsRegisteredNegativeAndUnmatched() async throws {
        let harness = try await harnessForSample()
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "54029681",
                date: "20260320",
                serial: "00008",
                records: [
                    BgMaxBuilder.payment(reference: "100065", amount: 125_000, code: 2, serial: "000000000201"),
                    BgMaxBuilder.deduction(reference: "KREDIT 9", amount: 5_000, serial: "000000000202"),
                ],
                total: 120_000,
                count: 2
            )
        ])
        let imported = try await harness.send(ImportBankgiroFile(latin1: file))
        #expect(try imported.first(InvoicePaid.self)?.invoiceID == "inv-1000")
        let unmatched = try #require(try imported.first(PaymentUnmatched.self))
        #expect(unmatched.reason.contains("deduction"))
        #expect(try await harness.payment(unmatched.paymentID)?.amount == -5_000)
        #expect(unmatched.amount == Money(minorUnits: -5_000, .sek))
    }
}
