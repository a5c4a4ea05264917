import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

/// Payer-aware matching and what a BgMax file's amounts say (docs/domain.md §2.5), on the real handlers in memory.
/// The same cases run through the real broker in `MatchingSemanticsBrokerTests`.
@Suite("Matching semantics (in memory)")
struct MatchingSemanticsTests {
    typealias H = PaymentMatchingHarness

    static let anna = Debtor(kind: "private", name: "Anna Andersson", identityNumber: "19811218-9876")
    static let bertil = Debtor(kind: "private", name: "Bertil Berg", identityNumber: "19800101-0019")
    static let kund = Debtor(kind: "company", name: "Kund AB", identityNumber: "556036-0793")

    /// An invoice (or, with a negative amount, a credit invoice) to bankgiro 5050-1055.
    static func issued(_ number: Int64, _ amount: Int64, _ debtor: Debtor) throws -> InvoiceIssued {
        let ocr = try OCRReference.make(from: String(number), for: .hard).canonical
        let money = Money(minorUnits: amount, .sek)
        return InvoiceIssued(
            invoiceID: "inv-\(number)",
            creditorID: "acme",
            invoiceNumber: String(number),
            ocr: ocr,
            kind: amount < 0 ? "credit" : "debit",
            invoiceDate: CalendarDate("2026-03-02")!,
            dueDate: CalendarDate("2026-04-01")!,
            total: money,
            taxReduction: .zero(.sek),
            amountDue: money,
            debtor: debtor,
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: ocr,
                reconcilableFromBankgiro: true
            )
        )
    }

    static func ocr(_ number: Int64) -> String { try! OCRReference.make(from: String(number), for: .hard).canonical }

    /// Bertil owes 2026 (500 kr); Anna owes 2027 (2,000 kr), 2028 (300 kr) and 2031 (800 kr); Kund AB owes 2029 and
    /// 2030 (1,500 kr each) and has the standalone credit invoices 2032 and 2033 (500 kr each).
    func harness() async throws -> H {
        let harness = try H()
        for (number, amount, debtor) in [
            (Int64(2026), Int64(50_000), Self.bertil), (2027, 200_000, Self.anna), (2028, 30_000, Self.anna),
            (2029, 150_000, Self.kund), (2030, 150_000, Self.kund), (2031, 80_000, Self.anna),
            (2032, -50_000, Self.kund), (2033, -50_000, Self.kund),
        ] {
            try await harness.send(try Self.issued(number, amount, debtor))
        }
        return harness
    }

    func swish(_ id: String, _ amount: Int64, _ message: String, from number: String = "070-123 45 67")
        -> RegisterPayment
    {
        RegisterPayment(
            source: "swish",
            sourceID: id,
            amount: Money(minorUnits: amount, .sek),
            paymentDate: CalendarDate("2026-03-20")!,
            message: message,
            payer: .init(name: "Anna Andersson", swishNumber: number),
            creditorID: "acme"
        )
    }

    @Test func freeTextPaysThePayersInvoiceNotAnotherCustomersNumberInTheText() async throws {
        let harness = try await harness()
        // Anna's bank payment names her personnummer (TK29): the 2026 of the date is Bertil's invoice number.
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(sender: "9020033", reference: "", amount: 80_000, code: 1, serial: "1"),
                BgMaxRecords.information("Betalt 2026-03-20 faktura 2031"),
                BgMaxRecords.organisationNumber("198112189876"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        let matched = try imported.all(PaymentMatched.self)
        #expect(matched.map(\.invoiceID) == ["inv-2031"])
        #expect(matched.first?.method == .invoiceNumber)
        #expect(matched.first?.explanation?.contains("198112189876".suffix(10)) == true)
        #expect(try await harness.receivable("inv-2026")?.paid == 0, "Bertil's invoice is untouched")
        #expect(try await harness.receivable("inv-2031")?.balance == 0)
    }

    @Test func aSwishNumberSeenPayingBeforeIsThePayer() async throws {
        let harness = try await harness()
        // Anna pays 2028 by its OCR from her Swish number; next time her message only names an invoice number.
        let first = try await harness.send(swish("sw-1", 30_000, "OCR \(Self.ocr(2028))"))
        #expect(try first.first(PaymentMatched.self)?.method == .ocr)
        let second = try await harness.send(swish("sw-2", 50_000, "Betalt 2026-03-20 faktura 2031 del 1"))
        let matched = try #require(try second.first(PaymentMatched.self))
        #expect(matched.invoiceID == "inv-2031" && matched.method == .payerHistory)
        #expect(matched.amount == Money(minorUnits: 50_000, .sek))
        #expect(try await harness.receivable("inv-2026")?.paid == 0)
    }

    @Test func anInvoiceNumberInFreeTextThatFitsByAmountDoesNotTeachThePayer() async throws {
        let harness = try await harness()
        // An unknown Swish number writes Anna's invoice number and pays its open amount: matched, but anyone could
        // have written that number, so the Swish number is not taken to be Anna's.
        let first = try await harness.send(swish("sw-t1", 30_000, "faktura 2028", from: "0707777777"))
        #expect(try first.first(PaymentMatched.self)?.method == .invoiceNumber)
        // Its next payment names another of Anna's invoices for part of it: no payer history, so left for an operator
        // (from a payer that paid by OCR it would be paid, see aSwishNumberSeenPayingBeforeIsThePayer).
        let second = try await harness.send(swish("sw-t2", 50_000, "faktura 2031 del 1", from: "0707777777"))
        #expect(try second.first(PaymentMatched.self) == nil)
        #expect(try second.first(PaymentUnmatched.self) != nil)
        #expect(try await harness.receivable("inv-2031")?.paid == 0)
    }

    @Test func anUnknownPayerNamingAnInvoiceWhoseAmountDiffersStaysUnmatchedWithItsCandidates() async throws {
        let harness = try await harness()
        let result = try await harness.send(swish("sw-3", 70_000, "Betalt 2026-03-20 faktura 2031", from: "0709999999"))
        let unmatched = try #require(try result.first(PaymentUnmatched.self))
        #expect(try result.first(PaymentMatched.self) == nil)
        let queries = PaymentQueries(writer: harness.harness.store.writer)
        let listed = try #require(try await queries.payments(status: [.unmatched], page: PageRequest()).items.first)
        #expect(listed.id == unmatched.paymentID)
        #expect(Set(listed.candidates.map(\.invoiceNumber)) == ["2026", "2031"])
        #expect(listed.candidates.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func twoInvoicesThatFitTheAmountAreAmbiguous() async throws {
        let harness = try H()
        try await harness.send(try Self.issued(3001, 80_000, Self.anna))
        try await harness.send(try Self.issued(3002, 80_000, Self.bertil))
        let result = try await harness.send(swish("sw-4", 80_000, "faktura 3001 och 3002", from: "0708888888"))
        let unmatched = try #require(try result.first(PaymentUnmatched.self))
        #expect(unmatched.reason.contains("ambiguous"))
        let listed = try #require(
            try await harness.listedUnmatched().first
        )
        #expect(listed.candidates.map(\.invoiceNumber) == ["3001", "3002"])
        // The operator links it; the link is recorded as manual and Anna's Swish number is remembered.
        let linked = try await harness.send(LinkPayment(paymentID: unmatched.paymentID, invoiceID: "inv-3001"))
        #expect(try linked.first(PaymentMatched.self)?.method == .manual)
    }

    @Test func extraReferenceAmountsAllocateExactly() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: "2027 2028", amount: 200_000, code: 3, serial: "7"),
                BgMaxRecords.extraReference(Self.ocr(2027), amount: 170_000, serial: "7"),
                BgMaxRecords.extraReference(Self.ocr(2028), amount: 30_000, serial: "7"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        let matched = try imported.all(PaymentMatched.self)
        #expect(matched.map(\.invoiceID) == ["inv-2027", "inv-2028"])
        #expect(matched.map(\.amount.amount) == [170_000, 30_000])
        #expect(matched.allSatisfy { $0.method == .extraReference })
        #expect(try await harness.receivable("inv-2027")?.balance == 30_000)
        #expect(try await harness.receivable("inv-2028")?.balance == 0)
        #expect(try imported.first(OverpaymentRecorded.self) == nil)
    }

    @Test func aNegativeExtraReferenceAppliesThePayersCreditInvoice() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: "2029 -2032", amount: 100_000, code: 3, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2029), amount: 150_000, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2032), amount: 50_000, negative: true, serial: "8"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        let matched = try #require(try imported.first(PaymentMatched.self))
        #expect(matched.invoiceID == "inv-2029" && matched.amount.amount == 100_000)
        let apply = try #require(try imported.first(ApplyCredit.self))
        #expect(apply.creditInvoiceID == "inv-2032" && apply.debitInvoiceID == "inv-2029")
        #expect(apply.amount == Money(minorUnits: 50_000, .sek))
        let reconciliation = try #require(try imported.first(BankgiroFileImported.self)?.reconciliation?.first)
        #expect(reconciliation.creditsApplied.amount == 50_000 && reconciliation.booked.amount == 100_000)
        // Invoicing answers with credit-applied: the invoice is paid.
        let applied = try await harness.send(
            CreditApplied(creditInvoiceID: "inv-2032", debitInvoiceID: "inv-2029", amount: try #require(apply.amount))
        )
        #expect(try applied.first(InvoicePaid.self)?.invoiceID == "inv-2029")
        // The credit is used up: a second payment referencing it does not use it again.
        let again = BgMaxRecords.file(
            bankgiro: "50501055",
            serial: "00002",
            [
                BgMaxRecords.payment(reference: "2030 -2032", amount: 100_000, code: 3, serial: "9"),
                BgMaxRecords.extraReference(Self.ocr(2030), amount: 150_000, serial: "9"),
                BgMaxRecords.extraReference(Self.ocr(2032), amount: 50_000, negative: true, serial: "9"),
            ]
        )
        let second = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(again)))
        #expect(try second.first(ApplyCredit.self) == nil)
        #expect(try await harness.receivable("inv-2030")?.balance == 50_000)
    }

    @Test func twoCustomersOfTheSameNameAreNotOnePayer() async throws {
        // Two Anna Anderssons without identity numbers: Swish-Anna pays her 2040 by OCR; later her message names the
        // other Anna's 2041, for another amount. A name is not a debtor: that must not be payer history.
        let harness = try H()
        let annaWithoutNumber = Debtor(kind: "private", name: "Anna Andersson")
        try await harness.send(try Self.issued(2040, 30_000, annaWithoutNumber))
        try await harness.send(try Self.issued(2041, 90_000, annaWithoutNumber))
        let first = try await harness.send(swish("sw-same-1", 30_000, "OCR \(Self.ocr(2040))"))
        #expect(try first.first(PaymentMatched.self)?.invoiceID == "inv-2040")
        let second = try await harness.send(swish("sw-same-2", 50_000, "faktura 2041"))
        #expect(try second.first(PaymentMatched.self) == nil, "left for an operator, not paid on a name")
        #expect(try await harness.receivable("inv-2041")?.paid == 0)
    }

    @Test func aCreditInvoiceNamedTwiceInOnePaymentIsUsedOnce() async throws {
        let harness = try await harness()
        // Kund AB pays 2029 and 2030 (1 500 kr each) less credit 2032 (500 kr) named twice: 2 000 kr would be right
        // once, but the second -2032 must not use the credit again.
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: "2029 2030 -2032 -2032", amount: 250_000, code: 3, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2029), amount: 150_000, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2030), amount: 150_000, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2032), amount: 50_000, negative: true, serial: "8"),
                BgMaxRecords.extraReference(Self.ocr(2032), amount: 50_000, negative: true, serial: "8"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        let applied = try imported.all(ApplyCredit.self)
        #expect(applied.count == 1, "\(applied)")
        #expect(applied.map(\.amount) == [Money(minorUnits: 50_000, .sek)])
    }

    @Test func aDeductionOfACreditInvoiceIsSetAgainstThePayersPayment() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(
                    sender: "9020033",
                    reference: Self.ocr(2030),
                    amount: 150_000,
                    code: 2,
                    serial: "1"
                ),
                BgMaxRecords.deduction(reference: Self.ocr(2033), amount: 50_000, serial: "2"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        #expect(try imported.first(PaymentUnmatched.self) == nil)
        // 1 000 kr of the payment pays the invoice, 500 kr is the deduction's: no allocation is negative.
        let matched = try imported.all(PaymentMatched.self)
        #expect(matched.map(\.amount.amount) == [100_000])
        #expect(matched.allSatisfy { $0.invoiceID == "inv-2030" })
        let apply = try #require(try imported.first(ApplyCredit.self))
        #expect(apply.creditInvoiceID == "inv-2033" && apply.amount?.amount == 50_000)
        let summary = try #require(try imported.first(BankgiroFileImported.self))
        let deposit = try #require(summary.reconciliation?.first)
        #expect(deposit.total.amount == 100_000)
        #expect(deposit.booked.amount == 100_000 && deposit.unmatched.amount == 0 && deposit.deductions.amount == 0)
        #expect(deposit.creditsApplied.amount == 50_000)
        let queries = PaymentQueries(writer: harness.harness.store.writer)
        #expect(try await queries.payments(status: [.unmatched, .overpaid], page: PageRequest()).items.isEmpty)
        let applied = try await harness.send(
            CreditApplied(creditInvoiceID: "inv-2033", debitInvoiceID: "inv-2030", amount: try #require(apply.amount))
        )
        #expect(try applied.first(InvoicePaid.self)?.invoiceID == "inv-2030")
    }

    @Test func aDeductionWithoutThePayersPaymentStaysForAnOperatorAndReconciles() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: Self.ocr(2031), amount: 80_000, code: 2, serial: "1"),
                BgMaxRecords.deduction(reference: Self.ocr(2033), amount: 50_000, serial: "2"),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        #expect(try imported.first(ApplyCredit.self) == nil, "Anna's payment is not Kund AB's")
        let unmatched = try #require(try imported.first(PaymentUnmatched.self))
        #expect(unmatched.amount.amount == -50_000 && unmatched.reason.contains("deduction"))
        let deposit = try #require(try imported.first(BankgiroFileImported.self)?.reconciliation?.first)
        #expect(deposit.total.amount == 30_000)
        #expect(
            deposit.booked.amount == 80_000 && deposit.unmatched.amount == 0 && deposit.deductions.amount == -50_000
        )
    }

    @Test func aTestFileIsRefusedUnlessAllowed() async throws {
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            marker: "T",
            [BgMaxRecords.payment(reference: Self.ocr(2031), amount: 80_000, code: 2, serial: "1")]
        )
        let refused = try await harness().send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        let error = try #require(refused.rejection(PaymentMatchingCommandRejected.self)?.errors.first)
        #expect(error.field == "content" && error.message.contains("test file"))
        #expect(try refused.first(PaymentRegistered.self) == nil)

        let demo = try H(allowTestBankFiles: true)
        try await demo.send(try Self.issued(2031, 80_000, Self.anna))
        let booked = try await demo.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        #expect(try booked.first(InvoicePaid.self)?.invoiceID == "inv-2031")
    }

    @Test func anUnknownRecordIsSkippedAndCounted() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: Self.ocr(2031), amount: 80_000, code: 2, serial: "1"),
                BgMaxRecords.left("99NYTT FÄLT SOM BANKGIROT LÄGGER TILL", 80),
            ]
        )
        let imported = try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        #expect(try imported.first(InvoicePaid.self)?.invoiceID == "inv-2031")
        let summary = try #require(try imported.first(BankgiroFileImported.self))
        #expect(summary.skippedRecords == 1)
        #expect(summary.warnings?.first?.contains("99") == true)
    }

    @Test func aUTF8FileIsReadWithoutShiftingFields() async throws {
        let harness = try await harness()
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: Self.ocr(2031), amount: 80_000, code: 2, serial: "1"),
                BgMaxRecords.name("Kalles Plåt AB"),
                BgMaxRecords.city("Göteborg", country: "Sverige", code: "SE"),
            ]
        )
        // The file re-encoded as UTF-8 and wrapped byte by byte, as `kvitt import-bgmax` does with any file.
        let imported = try await harness.send(ImportBankgiroFile(latin1: Array(file.utf8)))
        #expect(imported.rejection(PaymentMatchingCommandRejected.self) == nil)
        let summary = try #require(try imported.first(BankgiroFileImported.self))
        #expect(summary.encoding == "UTF-8")
        let registered = try #require(try imported.first(PaymentRegistered.self))
        #expect(registered.payerName == "Kalles Plåt AB")
        #expect(try imported.first(InvoicePaid.self)?.invoiceID == "inv-2031")
    }
}
