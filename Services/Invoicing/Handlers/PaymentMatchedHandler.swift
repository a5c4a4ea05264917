import KvittContracts
import KvittMessaging

/// Keeps the invoice's balance current from payment-matching: each applied payment lowers it, and a settled
/// invoice closes.
struct PaymentMatchedHandler: MessageHandler {
    func handle(_ event: PaymentMatched, context: HandlerContext) throws {
        var invoice = try InvoiceRecord.referenced(event.invoiceID, by: "payment matched", context.db)
        // Negative when payment-matching links a deduction (a payment taken back) to the invoice.
        let amount = try invoice.eventAmount(event.amount, "payment matched amount")
        invoice.paid = try InvoiceRecord.accumulate(invoice.paid, amount, "paid on invoice \(invoice.id)")
        InvoiceStore.closeIfSettled(&invoice, at: context.now)
        try InvoiceStore.update(
            invoice,
            event: "payment",
            detail: "\(event.amount) (\(event.matchedBy)), balance \(invoice.money(invoice.balance))",
            context: context
        )
    }
}

/// A credit left the invoice owing less than was paid, and payment-matching gave the difference back to the payer:
/// the invoice counts that much less as paid (its balance returns to zero rather than below).
struct PaymentAllocationReleasedHandler: MessageHandler {
    func handle(_ event: PaymentAllocationReleased, context: HandlerContext) throws {
        var invoice = try InvoiceRecord.referenced(event.invoiceID, by: "payment released", context.db)
        let amount = try invoice.eventAmount(event.amount, "payment released amount", allowed: 1...MinorUnits.bound)
        invoice.paid = try InvoiceRecord.accumulate(invoice.paid, -amount, "paid on invoice \(invoice.id)")
        if invoice.status == .closed && invoice.balance > 0 {
            invoice.status = .issued
            invoice.closedAt = nil
        }
        InvoiceStore.closeIfSettled(&invoice, at: context.now)
        try InvoiceStore.update(
            invoice,
            event: "payment-released",
            detail: "\(event.amount) back to the payer (\(event.reason)), balance \(invoice.money(invoice.balance))",
            context: context
        )
    }
}
