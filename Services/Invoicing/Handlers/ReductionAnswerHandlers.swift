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
        // Tax-reduction says each buyer's labour; an allocation from before it did split the labour evenly.
        let labour = try invoice.createdEvent.taxReduction?.labourCostIncludingVAT ?? .zero(.sek)
        let even = (try? labour.split(into: max(1, event.buyers.count))) ?? []
        try invoice.setBuyerReductions(
            event.buyers.enumerated().map { index, buyer in
                BuyerReduction(
                    personnummer: buyer.personnummer,
                    reduction: buyer.amount.amount,
                    labour: buyer.labour?.amount ?? (index < even.count ? even[index].amount : 0)
                )
            }
        )
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
