import KvittContracts
import KvittMessaging

/// Records tax-reduction's allocation: the invoice can now be attested, and the buyer pays the total minus it.
struct ReductionAllocatedHandler: MessageHandler {
    func handle(_ event: ReductionAllocated, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(event.invoiceID, context.db) else {
            throw PermanentFailure(
                reason: "unknown-invoice",
                detail: "reduction allocated for unknown invoice \(event.invoiceID)"
            )
        }
        guard invoice.status == .draft else {
            context.logger.warning("reduction allocated for an invoice already attested; ignored")
            return
        }
        invoice.reductionState = .allocated
        invoice.reductionAmount = event.total.amount
        let warnings = event.buyers.compactMap(\.capWarning)
        invoice.reductionDetail = warnings.isEmpty ? nil : warnings.joined(separator: "; ")
        try InvoiceStore.update(
            invoice,
            event: "reduction-allocated",
            detail: "\(event.kind.uppercased()) \(event.total) over \(event.buyers.count) buyer(s)"
                + (warnings.isEmpty ? "" : "; " + warnings.joined(separator: "; ")),
            context: context
        )
    }
}

/// Records tax-reduction's refusal: the invoice is blocked from attest with the reason.
struct ReductionRejectedHandler: MessageHandler {
    func handle(_ event: ReductionRejected, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(event.invoiceID, context.db) else {
            throw PermanentFailure(
                reason: "unknown-invoice",
                detail: "reduction rejected for unknown invoice \(event.invoiceID)"
            )
        }
        guard invoice.status == .draft else { return }
        invoice.reductionState = .rejected
        invoice.reductionDetail = ([event.reason] + event.errors.map(\.description)).joined(separator: "; ")
        try InvoiceStore.update(
            invoice,
            event: "reduction-rejected",
            detail: invoice.reductionDetail ?? "",
            context: context
        )
    }
}
