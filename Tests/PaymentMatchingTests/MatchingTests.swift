import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

@Suite("Matching payments to receivables (in memory)")
struct MatchingTests {
    typealias H = PaymentMatchingHarness

    func harnessWithInvoices() async throws -> H {
        let harness = try H()
        try await harness.send(try H.issued("inv-1", number: 1001, amount: 125_000))
        try await harness.send(try H.issued("inv-2", number: 1002, amount: 50_000))
        try await harness.send(try H.issued("inv-3", number: 1043, amount: 30_000))
        return harness
    }

    @Test func exactPartialAndOverpayment() async throws {
        let harness = try await harnessWithInvoices()
        let exact = try await harness.send(H.bankgiroPayment("bg-1", amount: 125_000, reference: "10017"))
        #expect(
            exact.types == [
                "payment-matching.payment-registered.v1", "payment-matching.payment-matched.v1",
                "payment-matching.invoice-paid.v1",
            ]
        )
        #expect(try exact.first(InvoicePaid.self)?.paid == Money(minorUnits: 125_000, .sek))

        let partial = try await harness.send(H.bankgiroPayment("bg-2", amount: 20_000, reference: "10025"))
        let partly = try #require(try partial.first(InvoicePartiallyPaid.self))
        #expect(partly.remaining == Money(minorUnits: 30_000, .sek))

        let over = try await harness.send(H.bankgiroPayment("bg-3", amount: 40_000, reference: "10025"))
        #expect(try over.first(InvoicePaid.self)?.invoiceID == "inv-2")
        let excess = try #require(try over.first(OverpaymentRecorded.self))
        #expect(excess.amount == Money(minorUnits: 10_000, .sek))
        #expect(try await harness.receivable("inv-2")?.balance == 0)
    }

    @Test func aCreditAfterPaymentGivesTheDifferenceBackAsAnOverpaymentToRefund() async throws {
        let harness = try await harnessWithInvoices()
        let paid = try await harness.send(H.bankgiroPayment("bg-c", amount: 125_000, reference: "10017"))
        let paymentID = try #require(try paid.first(PaymentMatched.self)?.paymentID)

        // Invoicing credited 300 kr of the paid 1 250 kr: the invoice now owes 950 kr and has 1 250 kr paid.
        let credited = try await harness.send(
            InvoiceCredited(invoiceID: "inv-1", creditInvoiceID: "k-1", amount: Money(minorUnits: 30_000, .sek))
        )
        let released = try #require(try credited.first(PaymentAllocationReleased.self))
        #expect(released.paymentID == paymentID && released.amount == Money(minorUnits: 30_000, .sek))
        #expect(released.reason.contains("k-1"))
        #expect(try credited.first(OverpaymentRecorded.self)?.amount == Money(minorUnits: 30_000, .sek))
        let receivable = try #require(try await harness.receivable("inv-1"))
        #expect(receivable.paid == 95_000 && receivable.balance == 0)
        let payment = try #require(try await harness.payment(paymentID))
        #expect(payment.status == .overpaid && payment.unapplied == 30_000)

        // The 300 kr is refunded through the bank and taken off the overpayments list.
        let removed = try await harness.send(RemovePayment(paymentID: paymentID, reason: "återbetald 300 kr"))
        #expect(try removed.first(PaymentRemoved.self) != nil)
        // A credit that leaves the invoice still owing something releases nothing.
        try await harness.send(H.bankgiroPayment("bg-d", amount: 20_000, reference: "10025"))
        let small = try await harness.send(
            InvoiceCredited(invoiceID: "inv-2", creditInvoiceID: "k-2", amount: Money(minorUnits: 10_000, .sek))
        )
        #expect(try small.first(PaymentAllocationReleased.self) == nil)
    }

    @Test func unmatchedAndDuplicateSourceID() async throws {
        let harness = try await harnessWithInvoices()
        let unmatched = try await harness.send(H.bankgiroPayment("bg-9", amount: 5_000, reference: "99999999"))
        let event = try #require(try unmatched.first(PaymentUnmatched.self))
        #expect(event.amount == Money(minorUnits: 5_000, .sek))
        let again = try await harness.send(H.bankgiroPayment("bg-9", amount: 5_000, reference: "99999999"))
        #expect(again.messages.isEmpty, "the same source id twice is one payment")
    }

    @Test func freeTextInvoiceNumberAndOCRMatch() async throws {
        let harness = try await harnessWithInvoices()
        let byNumber = try await harness.send(
            H.bankgiroPayment("bg-4", amount: 30_000, reference: nil, message: "Faktura 1043")
        )
        #expect(try byNumber.first(PaymentMatched.self)?.matchedBy == "invoice-number")
        let swish = RegisterPayment(
            source: "swish",
            sourceID: "swish-1",
            amount: Money(minorUnits: 125_000, .sek),
            paymentDate: CalendarDate("2026-03-21")!,
            message: "betalning ocr 10017 tack",
            creditorID: "acme"
        )
        let bySwish = try await harness.send(swish)
        #expect(try bySwish.first(PaymentMatched.self)?.matchedBy == "ocr")
        #expect(try bySwish.first(InvoicePaid.self)?.invoiceID == "inv-1")
    }

    @Test func currencyMustAgreeAndIBANInvoicesAreNotSettledFromBankgiroData() async throws {
        let harness = try H()
        try await harness.send(try H.issued("eur-1", number: 2001, amount: 10_000, currency: .eur, iban: true))
        try await harness.send(try H.issued("sek-1", number: 2002, amount: 10_000))
        let ocrEUR = try OCRReference.make(from: "2001", for: .hard).canonical
        let fromBankgiro = try await harness.send(H.bankgiroPayment("bg-x", amount: 10_000, reference: ocrEUR))
        #expect(
            try fromBankgiro.first(PaymentUnmatched.self)?.reason.contains("not reconcilable from bankgiro") == true
        )

        let ocrSEK = try OCRReference.make(from: "2002", for: .hard).canonical
        let card = RegisterPayment(
            source: "card",
            sourceID: "card-1",
            amount: Money(minorUnits: 10_000, .eur),
            paymentDate: CalendarDate("2026-03-21")!,
            reference: ocrSEK,
            creditorID: "acme"
        )
        #expect(try await harness.send(card).first(PaymentUnmatched.self)?.reason.contains("currency EUR") == true)

        let cardEUR = RegisterPayment(
            source: "card",
            sourceID: "card-2",
            amount: Money(minorUnits: 10_000, .eur),
            paymentDate: CalendarDate("2026-03-21")!,
            reference: ocrEUR,
            creditorID: "acme"
        )
        #expect(try await harness.send(cardEUR).first(InvoicePaid.self)?.invoiceID == "eur-1")
    }

    @Test func manualRegistrationMarksAForeignInvoicePaid() async throws {
        let harness = try H()
        try await harness.send(try H.issued("eur-1", number: 2001, amount: 10_000, currency: .eur, iban: true))
        let manual = RegisterPayment(
            source: "manual",
            sourceID: "op-1",
            amount: Money(minorUnits: 10_000, .eur),
            paymentDate: CalendarDate("2026-03-22")!,
            invoiceID: "eur-1"
        )
        let result = try await harness.send(manual)
        #expect(try result.first(PaymentMatched.self)?.matchedBy == "manual")
        #expect(try result.first(InvoicePaid.self) != nil)
        let missing = RegisterPayment(
            source: "manual",
            sourceID: "op-2",
            amount: Money(minorUnits: 1, .eur),
            paymentDate: CalendarDate("2026-03-22")!,
            invoiceID: "nope"
        )
        #expect(try await harness.send(missing).rejectedFields == ["invoiceID"])
    }

    @Test func linkAndRemove() async throws {
        let harness = try await harnessWithInvoices()
        let unmatched = try await harness.send(H.bankgiroPayment("bg-5", amount: 60_000, reference: "55555"))
        let paymentID = try #require(try unmatched.first(PaymentUnmatched.self)?.paymentID)
        let linked = try await harness.send(LinkPayment(paymentID: paymentID, invoiceID: "inv-2"))
        #expect(try linked.first(PaymentMatched.self)?.matchedBy == "manual")
        #expect(try linked.first(InvoicePaid.self)?.invoiceID == "inv-2")
        #expect(try linked.first(OverpaymentRecorded.self)?.amount == Money(minorUnits: 10_000, .sek))
        #expect(try await harness.payment(paymentID)?.status == .overpaid)

        #expect(try await harness.send(RemovePayment(paymentID: paymentID, reason: " ")).rejectedFields == ["reason"])
        let removed = try await harness.send(RemovePayment(paymentID: paymentID, reason: "refunded 2026-03-25"))
        #expect(try removed.first(PaymentRemoved.self)?.amount == Money(minorUnits: 10_000, .sek))
        #expect(try await harness.payment(paymentID)?.status == .removed)
        #expect(
            try await harness.send(RemovePayment(paymentID: paymentID, reason: "again")).rejectedFields == ["paymentID"]
        )
    }

    @Test func aCreditThatCoversWhatAPartPaymentLeftSettlesTheInvoice() async throws {
        let harness = try await harnessWithInvoices()
        try await harness.send(H.bankgiroPayment("bg-p", amount: 30_000, reference: "10025"))
        // 200 kr of the 500 kr are credited: nothing is left to pay, so the invoice is paid, by the payment's date.
        let credited = try await harness.send(
            InvoiceCredited(invoiceID: "inv-2", creditInvoiceID: "k-9", amount: Money(minorUnits: 20_000, .sek))
        )
        let paid = try #require(try credited.first(InvoicePaid.self))
        #expect(paid.paid == Money(minorUnits: 30_000, .sek) && paid.paymentDate == CalendarDate("2026-03-20"))
        // A credit of an unpaid invoice or of one already paid says nothing of payment.
        let unpaid = try await harness.send(
            InvoiceCredited(invoiceID: "inv-3", creditInvoiceID: "k-10", amount: Money(minorUnits: 30_000, .sek))
        )
        #expect(try unpaid.first(InvoicePaid.self) == nil)
        let again = try await harness.send(
            InvoiceCredited(invoiceID: "inv-2", creditInvoiceID: "k-11", amount: Money(minorUnits: 1_000, .sek))
        )
        #expect(try again.first(InvoicePaid.self) == nil)
    }

    @Test func creditsLowerTheAmountDue() async throws {
        let harness = try await harnessWithInvoices()
        try await harness.send(
            InvoiceCredited(invoiceID: "inv-1", creditInvoiceID: "k-1", amount: Money(minorUnits: 25_000, .sek))
        )
        try await harness.send(
            CreditApplied(creditInvoiceID: "k-2", debitInvoiceID: "inv-1", amount: Money(minorUnits: 50_000, .sek))
        )
        let payment = try await harness.send(H.bankgiroPayment("bg-6", amount: 50_000, reference: "10017"))
        #expect(try payment.first(InvoicePaid.self) != nil)
        #expect(try payment.first(OverpaymentRecorded.self) == nil)
    }

    @Test func digitRunsInFreeText() {
        #expect(ReferenceExtraction.digitRuns(in: "Faktura 1043 och 1044, kund 7") == ["1043", "1044"])
        #expect(ReferenceExtraction.digitRuns(in: "ocr:10017!10017") == ["10017"])
    }
}
