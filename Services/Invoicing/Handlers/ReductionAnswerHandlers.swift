import KvittContracts
import KvittMessaging

/// Records tax-reduction's allocation: the invoice can now be attested, and the buyer pays the total minus it.
struct ReductionAllocatedHandler: MessageHandler {
    func handle(_ event: ReductionAllocated, context: HandlerContext) throws {
        var invoice = try InvoiceRecord.referenced(event.invoiceID, by: "reduction allocated", context.db)
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
        var invoice = try InvoiceRecord.referenced(event.invoiceID, by: "reduction rejected", context.db)
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
