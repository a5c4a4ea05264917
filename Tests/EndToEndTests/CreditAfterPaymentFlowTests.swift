import Foundation
import KvittContracts
import KvittTesting
import Testing

/// A credit note on an invoice that was already paid — a discount agreed afterwards, goods returned: the money paid
/// beyond what the invoice now owes goes back to the payer, shows as an overpayment in payment-matching, and leaves
/// every service's balance at zero rather than below it, until the creditor refunds it.
@Suite("End to end: crediting a paid invoice")
struct CreditAfterPaymentFlowTests {
    @Test func theDifferenceGoesBackToThePayerAsAnOverpaymentToRefund() async throws {
        let system = try await RunningSystem.start("credit-paid")
        let recorder = system.recorder
        let creditor = "retur"
        try await system.register(Fixture.creditor(creditor, name: "Järnhandeln i Gävle AB"))
        let today = try await system.businessDate()
        let issued = try await system.issue(
            Fixture.invoice(
                creditor,
                "jarn-77",
                debtor: Fixture.kundAB,
                date: today,
                lines: [Fixture.line("Skruvdragare", "4", unitPrice: 100_000)]
            )
        )
        #expect(issued.amountDue == sek(500_000))
        try await system.send(
            RegisterPayment(
                source: "swish",
                sourceID: "SWISH-RETUR-1",
                amount: sek(500_000),
                paymentDate: today,
                message: "Faktura \(issued.ocr)",
                creditorID: creditor
            )
        )
        let matched = try #require(await recorder.wait(for: PaymentMatched.self) { $0.invoiceID == issued.invoiceID })

        // One of the four is returned: a credit invoice for it, attested.
        try await system.send(
            CreateCreditInvoice(
                originalInvoiceID: issued.invoiceID,
                externalID: "jarn-77-retur",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("1")!)],
                reason: "En skruvdragare returnerad"
            )
        )
        let creditDraft = try #require(
            await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "jarn-77-retur" }
        )
        try await system.send(AttestInvoice(invoiceID: creditDraft.invoiceID))
        let released = try #require(
            await recorder.wait(for: PaymentAllocationReleased.self) { $0.invoiceID == issued.invoiceID }
        )
        #expect(released.paymentID == matched.paymentID && released.amount == sek(125_000))

        // Every service: 3 750 kr owed, 3 750 kr counted as paid, nothing left; 1 250 kr waits to be refunded.
        let invoice = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(issued.invoiceID)") {
            $0.paid == sek(375_000)
        }
        #expect(invoice?.balance == sek(0) && invoice?.status == "closed" && invoice?.credited == sek(125_000))
        let receivable = await system.receivable(issued.invoiceID)
        #expect(receivable?.paid == sek(375_000) && receivable?.balance == sek(0))
        let overpaid = await system.list(BooksAudit.Payment.self, "payment-matching", "/v1/payments/overpayments") {
            $0.contains { $0.id == matched.paymentID }
        }
        #expect(overpaid?.first { $0.id == matched.paymentID }?.unapplied == sek(125_000))
        let collectionCase = await system.read(
            BooksAudit.CollectionCase.self,
            "debt-collection",
            "/v1/cases/\(issued.invoiceID)"
        ) { $0.paid == sek(375_000) }
        #expect(collectionCase?.outstanding == sek(0))
        #expect(await system.booksViolations(creditor: creditor).isEmpty)

        // Refunded through the bank: off the list, with the reason.
        try await system.send(RemovePayment(paymentID: matched.paymentID, reason: "Återbetalt 1 250 kr till kund"))
        #expect(await recorder.wait(for: PaymentRemoved.self) { $0.paymentID == matched.paymentID } != nil)
        #expect(
            await system.eventually("payment-matching", "/v1/payments/overpayments") {
                !$0.contains(matched.paymentID)
            }
        )
        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }
}
