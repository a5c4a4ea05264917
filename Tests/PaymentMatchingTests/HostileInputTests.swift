import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import PaymentMatching

extension ServiceHarness.Published {
    /// The reason code of a permanent failure (`amount-out-of-range`), or `nil` when the message was not parked so.
    var permanentFailureReason: String? {
        guard case .deadLetter(.permanentFailure, let detail) = outcome else { return nil }
        return detail.split(separator: ":").first.map(String.init)
    }
}

private func sek(_ amount: Int64) -> Money { Money(minorUnits: amount, .sek) }

@Suite("Hostile input to payment-matching")
struct PaymentMatchingHostileInputTests {
    typealias H = PaymentMatchingHarness

    /// A file of deposits to bankgiro 5050-1055, each of one OCR payment of `amount` to invoice 1001.
    static func file(amounts: [Int64]) throws -> ImportBankgiroFile {
        let ocr = try OCRReference.make(from: "1001", for: .hard).canonical
        let deposits = amounts.enumerated().map { index, amount in
            BgMaxBuilder.Deposit(
                bankgiro: "50501055",
                date: "20260320",
                serial: String(index + 1),
                records: [BgMaxBuilder.payment(reference: ocr, amount: amount, code: 2, serial: String(index + 1))]
            )
        }
        return ImportBankgiroFile(
            fileName: "huge.txt",
            latin1: BgMaxBuilder.file(deposits: deposits)
        )
    }

    @Test func tenDepositsOfTheLargestAmountAreRefusedWithTheReason() async throws {
        let harness = try H()
        try await harness.send(try H.issued("inv-1", number: 1001, amount: 100_000))
        let imported = try await harness.send(
            try Self.file(amounts: Array(repeating: 999_999_999_999_999_999, count: 10))
        )
        #expect(imported.outcome == .processed)
        let error = try #require(imported.rejection(PaymentMatchingCommandRejected.self)?.errors.first)
        #expect(error.field == "content")
        #expect(error.message.contains("more than 64 bits"), "\(error.message)")
        #expect(try await harness.receivable("inv-1")?.paid == 0, "nothing of a refused file is applied")
    }

    @Test func aBankFileOverTheLimitIsParkedAsTooLargeWithoutBeingParsed() async throws {
        let harness = try H(maximumBankFileBytes: 4096)
        try await harness.send(try H.issued("inv-1", number: 1001, amount: 100_000))
        let big = try Self.file(amounts: Array(repeating: 100, count: 40))
        #expect(big.content.utf8.count > 4096)
        let imported = try await harness.send(big)
        guard case .deadLetter(.tooLarge, let detail) = imported.outcome else {
            Issue.record("expected too-large, got \(imported.outcome)")
            return
        }
        #expect(detail.contains("MAX_BANK_FILE_BYTES"))
        #expect(try await harness.receivable("inv-1")?.paid == 0)
        // The same file under the limit is imported.
        let small = try Self.file(amounts: [100])
        #expect(try await harness.send(small).outcome == .processed)
    }

    @Test func depositsThatFitIn64BitsButNotTheBoundAreRefused() async throws {
        let harness = try H()
        let imported = try await harness.send(
            try Self.file(amounts: [600_000_000_000_000_000, 600_000_000_000_000_000])
        )
        let error = try #require(imported.rejection(PaymentMatchingCommandRejected.self)?.errors.first)
        #expect(error.field == "content" && error.message.contains("deposits sum to more than"))
    }

    @Test func oneDepositOfTheLargestAmountSettlesAndLeavesTheRestAsAnOverpayment() async throws {
        let harness = try H()
        try await harness.send(try H.issued("inv-1", number: 1001, amount: 100_000))
        let imported = try await harness.send(try Self.file(amounts: [999_999_999_999_999_999]))
        #expect(try imported.first(InvoicePaid.self)?.paid == sek(100_000))
        #expect(try imported.first(OverpaymentRecorded.self)?.amount == sek(999_999_999_999_899_999))
        #expect(try imported.first(BankgiroFileImported.self)?.total == sek(999_999_999_999_999_999))
    }

    @Test func aPaymentBeyondTheBoundIsRejected() async throws {
        let harness = try H()
        let rejected = try await harness.send(H.bankgiroPayment("bg-1", amount: .max, reference: nil))
        #expect(rejected.rejectedFields == ["amount"])
    }

    @Test func forgedInvoiceEventsAreParkedNotSummedIntoATrap() async throws {
        let harness = try H()
        let issued = try await harness.send(try H.issued("inv-huge", number: 1002, amount: .max))
        #expect(issued.permanentFailureReason == "amount-out-of-range")
        try await harness.send(try H.issued("inv-1", number: 1001, amount: 100_000))
        func credited(_ amount: Money) async throws -> ServiceHarness.Published {
            try await harness.send(InvoiceCredited(invoiceID: "inv-1", creditInvoiceID: "k", amount: amount))
        }
        #expect(try await credited(sek(.max)).permanentFailureReason == "amount-out-of-range")
        #expect(try await credited(sek(.min)).permanentFailureReason == "amount-out-of-range")
        #expect(try await credited(Money(minorUnits: 100, .eur)).permanentFailureReason == "currency-mismatch")
        let applied = try await harness.send(
            CreditApplied(creditInvoiceID: "k", debitInvoiceID: "inv-1", amount: sek(900_000_000_000_000_000))
        )
        #expect(applied.outcome == .processed)
        let again = try await harness.send(
            CreditApplied(creditInvoiceID: "k", debitInvoiceID: "inv-1", amount: sek(900_000_000_000_000_000))
        )
        #expect(again.permanentFailureReason == "amount-out-of-range")
        let fees = try await harness.send(
            FeesCharged(invoiceID: "inv-1", fees: [], interest: .zero(.sek), total: sek(.min))
        )
        #expect(fees.permanentFailureReason == "amount-out-of-range")
        #expect(try await harness.receivable("inv-1")?.adjustments == 900_000_000_000_000_000)
    }
}

@Suite("Hostile input to payment-matching's read API")
struct PaymentMatchingQueryParameterTests {
    typealias Routes = PaymentMatchingRoutes

    func query(_ pairs: [(String, String)], known: Set<String>) throws -> QueryParameters {
        try QueryParameters(pairs.map { (name: $0.0, value: $0.1) }, known: known)
    }

    func refused(_ read: () throws -> Void) -> InvalidQueryParameter? {
        do {
            try read()
            return nil
        } catch {
            return error as? InvalidQueryParameter
        }
    }

    @Test(
        arguments: [
            ([("from", "0001-01-01"), ("to", "9999-12-31")], "from"),
            ([("from", "2026-03-01"), ("to", "9999-12-31")], "to"),
            ([("from", "2026-03-31"), ("to", "2026-03-01")], "to"),
            ([("to", "2026-03-01")], "from"),
            ([("from", "2026-03-01")], "to"),
            ([("from", "2026-03-01"), ("to", "2026-03-31"), ("format", "xml")], "format"),
            ([("from", "2026-03-01"), ("to", "2026-03-31"), ("limit", "5")], "limit"),
        ]
    )
    func reportParametersAreChecked(pairs: [(String, String)], parameter: String) {
        let problem = refused { _ = try Routes.reportQuery(query(pairs, known: Routes.reportParameters)) }
        #expect(problem?.parameter == parameter)
    }

    @Test func aReportOfTheWholeSupportedRangeIsRead() throws {
        let report = try Routes.reportQuery(
            query([("from", "1900-01-01"), ("to", "2199-12-31"), ("format", "csv")], known: Routes.reportParameters)
        )
        #expect(report.format == .csv && report.from == CalendarDate.supportedRange.lowerBound)
    }

    @Test func receivableParametersAreChecked() throws {
        let known = Routes.receivablesParameters
        #expect(refused { _ = try Routes.receivablesQuery(query([], known: known)) }?.parameter == "creditor")
        #expect(
            refused { _ = try Routes.receivablesQuery(query([("creditor", "")], known: known)) }?.parameter
                == "creditor"
        )
        let open = refused {
            _ = try Routes.receivablesQuery(query([("creditor", "acme"), ("open", "yes")], known: known))
        }
        #expect(open?.parameter == "open")
        let read = try Routes.receivablesQuery(query([("creditor", "acme"), ("open", "true")], known: known))
        #expect(read == .init(creditorID: "acme", openOnly: true, page: PageRequest()))
    }
}
