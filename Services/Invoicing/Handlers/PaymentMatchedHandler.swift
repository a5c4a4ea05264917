import KvittContracts
import KvittMessaging

/// Keeps the invoice's balance current from payment-matching: each applied payment lowers it, and a settled
/// invoice closes.
struct PaymentMatchedHandler: MessageHandler {
    func handle(_ event: PaymentMatched, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(event.invoiceID, context.db) else {
            throw PermanentFailure(
                reason: "unknown-invoice",
                detail: "payment matched to unknown invoice \(event.invoiceID)"
            )
        }
        invoice.paid += event.amount.amount
        InvoiceStore.closeIfSettled(&invoice, at: context.now)
        try InvoiceStore.update(
            invoice,
            event: "payment",
            detail: "\(event.amount) (\(event.matchedBy)), balance \(invoice.money(invoice.balance))",
            context: context
        )
    }
}
