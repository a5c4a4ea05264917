import Foundation
import KvittContracts
import KvittMessaging

/// Skatteverket approved less than was requested: the buyer owes the creditor the refused part ("partly approved →
/// invoice the buyer the refused remainder", docs/domain.md §5). Invoicing drafts that invoice for the creditor to
/// attest, once per buyer's claim, through ``BuyerRemainder``.
struct ClaimDecidedHandler: MessageHandler {
    func handle(_ event: ClaimDecided, context: HandlerContext) throws {
        guard event.owedByBuyer.amount > 0 else { return }
        var original = try InvoiceRecord.referenced(event.invoiceID, by: "Skatteverket's decision", context.db)
        let approved = try original.eventAmount(event.approved, "the approved amount", allowed: 0...MinorUnits.bound)
        let externalID = "skatteverket-\(event.claimID)"
        let buyer = try? Personnummer(parsing: event.buyer)
        let (kind, number) = try BuyerRemainder.labels(of: original)
        // What stands of this buyer's reduction is what Skatteverket approved.
        let drafted = try BuyerRemainder.draft(
            on: &original,
            owedByBuyer: event.owedByBuyer,
            buyer: buyer,
            standingReduction: approved,
            externalID: externalID,
            line: "Ej medgiven \(kind)-avdrag för faktura \(number) (Skatteverkets beslut \(event.referenceNumber))",
            ourReference: "Skatteverket \(event.referenceNumber)",
            whenRefused: "the refused \(event.owedByBuyer) of invoice \(number) could not be drafted; see "
                + "invoicing.command-rejected for claim \(event.claimID)",
            context: context
        )
        guard drafted else { return }  // this claim's remainder is already drafted
        try InvoiceStore.update(
            original,
            event: "claim-decided",
            detail: "Skatteverket approved \(event.approved) of \(event.requested) for \(buyer?.masked ?? "a buyer"); "
                + "the remainder \(event.owedByBuyer) is drafted as invoice \(externalID)",
            context: context
        )
    }
}
