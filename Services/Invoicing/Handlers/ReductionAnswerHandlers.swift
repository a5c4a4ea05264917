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
        // At most the invoice's total, and the buyers' shares sum to it: anything else would make the amount due
        // negative or the credits' arithmetic wrong.
        let total = try invoice.eventAmount(
            event.total,
            "reduction allocated total",
            allowed: 0...max(0, invoice.total)
        )
        var shares: [Int64] = []
        var labours: [Int64?] = []
        for buyer in event.buyers {
            shares.append(try invoice.eventAmount(buyer.amount, "a buyer's reduction", allowed: 0...total))
            labours.append(
                try buyer.labour.map { labour throws(PermanentFailure) in
                    try invoice.eventAmount(labour, "a buyer's labour", allowed: 0...MinorUnits.bound)
                }
            )
        }
        guard MinorUnits.total(shares) == total else {
            throw FaultyEventAmount.inconsistentAmounts.failure(
                "the buyers' reductions on invoice \(invoice.id) do not sum to the total \(event.total)"
            )
        }
        invoice.reductionState = .allocated
        invoice.reductionAmount = total
        // Tax-reduction says each buyer's labour; an allocation from before it did split the labour evenly.
        let labour = try invoice.createdEvent.taxReduction?.labourCostIncludingVAT ?? .zero(.sek)
        let even = (try? labour.split(into: max(1, event.buyers.count))) ?? []
        try invoice.setBuyerReductions(
            event.buyers.indices.map { index in
                BuyerReduction(
                    personnummer: event.buyers[index].personnummer,
                    reduction: shares[index],
                    labour: labours[index] ?? (index < even.count ? even[index].amount : 0)
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
