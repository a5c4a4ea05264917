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
        let harness = try H()
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
        #expect(matched.map(\.matchedBy) == ["ocr", "free-text-invoice-number", "free-text-invoice-number"])
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
        #expect(matched.map(\.matchedBy) == ["ocr", "extra-reference"])
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
        #expect(try await harness.payment(unmatched.paymentID)?.amount == 5_000)
    }
}

/// Builds BgMax records (80 characters, positions as in domain-reference.md §2.3) for tests.
enum BgMaxBuilder {
    struct Deposit {
        let bankgiro: String
        let date: String
        let serial: String
        let records: [String]
        let total: Int64
        let count: Int
    }

    static func pad(_ text: String, _ length: Int, right: Bool = false, fill: Character = " ") -> String {
        let padding = String(repeating: fill, count: max(0, length - text.count))
        return right ? padding + text : text + padding
    }

    static func amount(_ ore: Int64) -> String { pad(String(ore), 18, right: true, fill: "0") }

    static func payment(reference: String, amount ore: Int64, code: Int, serial: String, type: String = "20") -> String
    {
        pad(
            type + pad("", 10, fill: "0") + pad(reference, 25) + amount(ore) + "\(code)" + "1" + serial + "0"
                + (type == "21" ? "0" : " "),
            80
        )
    }

    static func deduction(reference: String, amount: Int64, serial: String) -> String {
        payment(reference: reference, amount: amount, code: 3, serial: serial, type: "21")
    }

    static func extraReference(_ ocr: String, serial: String) -> String {
        pad("22" + pad("", 10, fill: "0") + pad(ocr, 25, right: true) + amount(0) + "2" + "1" + serial + "0", 80)
    }

    static func file(deposits: [Deposit]) -> [UInt8] {
        var lines = [pad("01BGMAX               0120260320063012123456T", 80)]
        var payments = 0
        var deductions = 0
        var extras = 0
        for deposit in deposits {
            lines.append(pad("05" + pad(deposit.bankgiro, 10, right: true, fill: "0") + pad("", 10) + "SEK", 80))
            for record in deposit.records {
                if record.hasPrefix("20") { payments += 1 }
                if record.hasPrefix("21") { deductions += 1 }
                if record.hasPrefix("22") || record.hasPrefix("23") { extras += 1 }
            }
            lines += deposit.records
            lines.append(
                "15" + pad("", 35, fill: "0") + deposit.date + deposit.serial + amount(deposit.total) + "SEK"
                    + pad(String(deposit.count), 8, right: true, fill: "0") + " "
            )
        }
        let counts = [payments, deductions, extras, deposits.count].map { pad(String($0), 8, right: true, fill: "0") }
        lines.append(pad("70" + counts.joined(), 80))
        return Array(lines.joined(separator: "\r\n").utf8)
    }
}
