import KvittContracts
import KvittMessaging

/// Adds debt-collection's fees and interest to the invoice's balance, so invoicing shows what the debtor owes now.
struct FeesChargedHandler: MessageHandler {
    func handle(_ event: FeesCharged, context: HandlerContext) throws {
        var invoice = try InvoiceRecord.referenced(event.invoiceID, by: "fees charged", context.db)
        // Debt-collection charges fees only on issued invoices; one on a draft or a credit is a faulty event.
        guard invoice.status != .draft, invoice.kind == "debit" else {
            throw PermanentFailure(
                reason: "not-issued",
                detail: "fees charged on \(invoice.status) \(invoice.kind) invoice \(event.invoiceID)"
            )
        }
        let total = try invoice.eventAmount(event.total, "fees charged total", allowed: 0...MinorUnits.bound)
        var parts = [try invoice.eventAmount(event.interest, "fees charged interest", allowed: 0...MinorUnits.bound)]
        for fee in event.fees {
            parts.append(try invoice.eventAmount(fee.amount, "fee \(fee.kind)", allowed: 0...MinorUnits.bound))
        }
        guard MinorUnits.total(parts) == total else {
            throw FaultyEventAmount.inconsistentAmounts.failure(
                "the fees and interest charged on invoice \(invoice.id) do not sum to the total \(event.total)"
            )
        }
        invoice.fees = try InvoiceRecord.accumulate(invoice.fees, total, "fees on invoice \(invoice.id)")
        if invoice.status == .closed && invoice.balance > 0 {
            invoice.status = .issued
            invoice.closedAt = nil
        }
        let fees =
            event.fees.map { "\($0.kind) \($0.amount)" } + (event.interest.isZero ? [] : ["interest \(event.interest)"])
        try InvoiceStore.update(
            invoice,
            event: "fees-charged",
            detail: fees.joined(separator: ", ") + ", balance \(invoice.money(invoice.balance))",
            context: context
        )
    }
}
