import Foundation
import KvittContracts
import KvittTesting
import Testing

/// An invoice's life through the four real executables: a draft, attest, a partial credit invoice, a standalone
/// credit applied to another invoice, and commands that break a business rule; payment-matching and debt-collection
/// follow every change, and the books balance at the end.
@Suite("End to end: an invoice's life")
struct InvoiceLifecycleFlowTests {
    @Test func draftAttestCreditAndApplyCreditKeepEveryServiceInStep() async throws {
        let system = try await RunningSystem.start("lifecycle")
        let recorder = system.recorder
        let creditor = "livscykel"
        try await system.register(Fixture.creditor(creditor, name: "Konsultbolaget i Lund AB"))
        let today = try await system.businessDate()

        // A draft has amounts but no number, OCR or payment means until it is attested.
        let order = Fixture.invoice(
            creditor,
            "order-1001",
            debtor: Fixture.kundAB,
            date: today,
            lines: [Fixture.line("Konsulttimme", "10", unitPrice: 100_000, unit: "tim")]
        )
        let created = try await system.createDraft(order)
        let id = created.invoiceID
        #expect(created.kind == "debit")
        #expect(created.totals.total == sek(1_250_000), "10 × 1 000 kr + 25 % VAT")
        #expect(created.dueDate == today.adding(days: 30), "the creditor's 30 days of terms")
        let draft = try #require(await system.invoice(id))
        #expect(draft.status == "draft" && draft.colour == "draft")
        #expect(draft.number == nil && draft.ocr == nil)

        // Upstream systems resend: the same external id again is the same invoice.
        try await system.send(order)
        try await system.send(AttestInvoice(invoiceID: id))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == id })
        #expect(issued.invoiceNumber == "1001")
        #expect(issued.amountDue == sek(1_250_000))
        #expect(issued.paymentMeans.kind == "bankgiro-ocr" && issued.paymentMeans.bankgiro == "5050-1055")
        // Invoicing handled the resend before the attest (one queue, in order), so a second draft would show by now.
        #expect(recorder.messages(InvoiceCreated.self).filter { $0.externalID == "order-1001" }.count == 1)
        let shown = try #require(
            await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(id)") { $0.status == "issued" }
        )
        #expect(shown.number == issued.invoiceNumber && shown.ocr == issued.ocr)
        #expect(shown.colour == "green", "due in 30 days, outside the 3-day warning window")
        #expect(shown.history?.map(\.event) == ["created", "issued"])
        // Payment-matching now expects the amount due, and debt-collection watches the due date.
        #expect(
            await system.read(BooksAudit.Receivable.self, "payment-matching", "/v1/receivables/\(id)") {
                $0.balance == sek(1_250_000) && $0.ocr == issued.ocr
            } != nil
        )
        #expect(
            await system.read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(id)") {
                $0.status == "open" && $0.capital == sek(1_250_000)
            } != nil
        )

        // A sent invoice's due date never changes: the debtor has it in writing.
        let moveID = UUID().uuidString
        try await system.send(ChangeDueDate(invoiceID: id, dueDate: issued.dueDate.adding(days: 14)), id: moveID)
        let refusedMove = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == moveID }
        )
        #expect(refusedMove.rejection.errors.map(\.field) == ["dueDate"])
        #expect(refusedMove.rejection.errors.first?.message.contains("postpone") == true)
        #expect(await system.invoice(id)?.dueDate == issued.dueDate)

        // A partial credit invoice: 4 of the 10 hours were billed twice.
        try await system.send(
            CreateCreditInvoice(
                originalInvoiceID: id,
                externalID: "kredit-1001-1",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("4")!)],
                reason: "4 timmar debiterades två gånger"
            )
        )
        let creditDraft = try #require(
            await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "kredit-1001-1" }
        )
        #expect(creditDraft.kind == "credit" && creditDraft.originalInvoiceID == id)
        #expect(creditDraft.totals.total == sek(-500_000))
        #expect(await system.invoice(id)?.credited == sek(0), "a credit invoice counts only once it is attested")

        try await system.send(AttestInvoice(invoiceID: creditDraft.invoiceID))
        let credited = try #require(await recorder.wait(for: InvoiceCredited.self) { $0.invoiceID == id })
        #expect(credited.creditInvoiceID == creditDraft.invoiceID)
        #expect(credited.amount == sek(500_000))
        let afterCredit = try #require(
            await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(id)") {
                $0.credited == sek(500_000)
            }
        )
        #expect(afterCredit.balance == sek(750_000))
        #expect(afterCredit.status == "issued")
        let lowered = await system.read(BooksAudit.Receivable.self, "payment-matching", "/v1/receivables/\(id)") {
            $0.adjustments == sek(500_000)
        }
        #expect(lowered?.balance == sek(750_000), "payment-matching now expects 7 500 kr")
        #expect(
            await system.read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(id)") {
                $0.capital == sek(750_000)
            } != nil
        )
        // The credit invoice is used up by crediting its original.
        let usedUp = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(creditDraft.invoiceID)") {
            $0.status == "closed"
        }
        #expect(usedUp?.balance == sek(0))

        // Crediting more than remains is refused: 4 of the 10 hours are credited already, so 7 more are too many.
        let tooMuchID = UUID().uuidString
        try await system.send(
            CreateCreditInvoice(
                originalInvoiceID: id,
                externalID: "kredit-1001-2",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("7")!)]
            ),
            id: tooMuchID
        )
        let refusedCredit = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == tooMuchID }
        )
        #expect(refusedCredit.rejection.commandType == CreateCreditInvoice.messageType.rawValue)
        #expect(refusedCredit.rejection.errors.map(\.field) == ["lines[0].quantity"])
        #expect(await system.invoice(id)?.balance == sek(750_000))

        // A standalone credit (tillgodo) offset against another invoice of the same debtor.
        let second = try await system.issue(
            Fixture.invoice(
                creditor,
                "order-1002",
                debtor: Fixture.kundAB,
                date: today,
                lines: [Fixture.line("Konsulttimme", "1", unitPrice: 100_000, unit: "tim")]
            )
        )
        #expect(second.amountDue == sek(125_000))
        let credit = try await system.issue(
            Fixture.invoice(
                creditor,
                "tillgodo-1",
                debtor: Fixture.kundAB,
                date: today,
                lines: [Fixture.line("Avbokad workshop", "-2", unitPrice: 100_000)]
            )
        )
        #expect(credit.kind == "credit")
        #expect(credit.amountDue == sek(-250_000))

        // More than is left to pay is refused, and nothing moves.
        let overID = UUID().uuidString
        try await system.send(
            ApplyCredit(creditInvoiceID: credit.invoiceID, debitInvoiceID: second.invoiceID, amount: sek(200_000)),
            id: overID
        )
        let refusedApply = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == overID }
        )
        #expect(refusedApply.rejection.errors.contains { $0.field == "amount" && $0.message.contains("left to pay") })
        #expect(await system.invoice(second.invoiceID)?.balance == sek(125_000))
        #expect(await system.invoice(credit.invoiceID)?.creditApplied == sek(0))

        // Without an amount, as much as both allow: all of the 1 250 kr invoice, half of the credit.
        try await system.send(ApplyCredit(creditInvoiceID: credit.invoiceID, debitInvoiceID: second.invoiceID))
        let applied = try #require(
            await recorder.wait(for: CreditApplied.self) { $0.debitInvoiceID == second.invoiceID }
        )
        #expect(applied.creditInvoiceID == credit.invoiceID)
        #expect(applied.amount == sek(125_000))
        let settled = try #require(
            await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(second.invoiceID)") {
                $0.status == "closed"
            }
        )
        #expect(settled.balance == sek(0) && settled.colour == "closed")
        #expect(settled.creditApplied == sek(125_000))
        #expect(
            await system.read(BooksAudit.Receivable.self, "payment-matching", "/v1/receivables/\(second.invoiceID)") {
                $0.balance == sek(0)
            } != nil
        )
        // Nothing is left to collect, so debt-collection closes its case as paid.
        #expect(await recorder.wait(for: CaseClosed.self) { $0.invoiceID == second.invoiceID }?.reason == "paid")
        let creditLeft = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(credit.invoiceID)") {
            $0.creditApplied == sek(-125_000)
        }
        #expect(creditLeft?.balance == sek(-125_000), "1 250 kr of the credit is still to use")
        #expect(creditLeft?.status == "issued")

        // A command that breaks the rules is refused with every field error, and creates nothing.
        let badID = UUID().uuidString
        var bad = Fixture.invoice(
            creditor,
            "order-felaktig",
            debtor: Fixture.anna,
            date: today,
            lines: [Fixture.line("Konsulttimme", "2", unitPrice: 100_000, vatRate: 20)]
        )
        bad.debtor.identityNumber = "19811218-9877"  // one digit off: the Luhn check digit fails
        try await system.send(bad, id: badID)
        let rejected = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == badID }
        )
        #expect(rejected.rejection.commandType == CreateInvoice.messageType.rawValue)
        #expect(Set(rejected.rejection.errors.map(\.field)) == ["debtor.identityNumber", "lines[0].vatRate"])
        #expect(rejected.rejection.errors.allSatisfy { !$0.message.contains("9877") }, "no personnummer echoed")
        let listed = try #require(
            await system.list(BooksAudit.Invoice.self, "invoicing", "/v1/invoices?creditor=\(creditor)")
        )
        #expect(listed.count == 4, "order-1001, its credit invoice, order-1002 and the standalone credit")
        #expect(!listed.contains { $0.externalID == "order-felaktig" })
        #expect(recorder.messages(InvoiceCreated.self).allSatisfy { $0.externalID != "order-felaktig" })

        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }
}
