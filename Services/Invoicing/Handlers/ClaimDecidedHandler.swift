import Foundation
import KvittContracts
import KvittMessaging

/// Skatteverket approved less than was requested: the buyer owes the creditor the refused part ("partly approved →
/// invoice the buyer the refused remainder", docs/domain.md §5). Invoicing drafts that invoice for the creditor to
/// attest, once per buyer's claim (its external id is the claim's id, so a replay changes nothing).
///
/// The remainder is part of a price that was already invoiced with VAT, so the line carries no VAT of its own.
struct ClaimDecidedHandler: MessageHandler {
    func handle(_ event: ClaimDecided, context: HandlerContext) throws {
        guard event.owedByBuyer.amount > 0 else { return }
        var original = try InvoiceRecord.referenced(event.invoiceID, by: "Skatteverket's decision", context.db)
        // What the buyer owes becomes an invoice line of its own, so it must be an amount an invoice can hold.
        let owed = try original.eventAmount(
            event.owedByBuyer,
            "the amount owed by the buyer",
            allowed: 1...InvoicePricing.maximumAmount
        )
        let approved = try original.eventAmount(event.approved, "the approved amount", allowed: 0...MinorUnits.bound)
        let externalID = "skatteverket-\(event.claimID)"
        guard try InvoiceRecord.find(creditorID: original.creditorID, externalID: externalID, context.db) == nil else {
            return  // this claim's remainder is already drafted
        }
        let created = try original.createdEvent
        let buyer = try? Personnummer(parsing: event.buyer)
        let debtorIdentity = created.debtor.identityNumber.flatMap { try? Personnummer(parsing: $0) }
        var debtor = created.debtor
        if let buyer, buyer != debtorIdentity {
            // A co-buyer: the claim is theirs, at the same address; the creditor checks the name before attesting.
            debtor.identityNumber = buyer.canonical
            debtor.kind = "private"
        }
        let kind = created.taxReduction?.kind.uppercased() ?? "ROT/RUT"
        let command = CreateInvoice(
            creditorID: original.creditorID,
            externalID: externalID,
            debtor: debtor,
            currency: event.owedByBuyer.currency.code,
            invoiceDate: CalendarDate.today(at: context.now),
            lines: [
                .init(
                    description:
                        "Ej medgiven \(kind)-avdrag för faktura \(original.number ?? original.id) "
                        + "(Skatteverkets beslut \(event.referenceNumber))",
                    quantity: DecimalQuantity(units: 1, scale: 0),
                    unitPrice: owed,
                    vatRate: 0
                )
            ],
            ourReference: "Skatteverket \(event.referenceNumber)"
        )
        guard try CreateInvoiceHandler.create(command, context: context) else {
            // Invoicing's own rules refused the draft (say, the creditor is gone): the refused part must not vanish.
            throw PermanentFailure(
                reason: "remainder-not-drafted",
                detail: "the refused \(event.owedByBuyer) of invoice \(original.number ?? original.id) could not be "
                    + "drafted; see invoicing.command-rejected for claim \(event.claimID)"
            )
        }
        // The buyer is billed the refused part, so what stands of this buyer's reduction is what Skatteverket
        // approved: a later credit takes back no more than that.
        var buyers = try original.buyerReductions
        if let index = buyers.firstIndex(where: { $0.personnummer == buyer?.canonical }) {
            buyers[index].reduction = min(buyers[index].reduction, approved)
            try original.setBuyerReductions(buyers)
        }
        try InvoiceStore.update(
            original,
            event: "claim-decided",
            detail: "Skatteverket approved \(event.approved) of \(event.requested) for \(buyer?.masked ?? "a buyer"); "
                + "the remainder \(event.owedByBuyer) is drafted as invoice \(externalID)",
            context: context
        )
    }
}
