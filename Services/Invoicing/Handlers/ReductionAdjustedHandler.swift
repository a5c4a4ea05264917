import Foundation
import KvittContracts
import KvittMessaging

/// The buyer paid on a date that allows less ROT/RUT reduction than the invoice gave (another year's rate, the
/// temporary 2025 ROT rate not reached, or the payment year's cap used up): tax-reduction claims only what is allowed,
/// and the buyer owes the difference. Invoicing drafts that invoice for the creditor to attest, with the reason, once
/// per adjustment (its external id is the claim's id and the event's message id, so a replay changes nothing), as it
/// does for a part Skatteverket refused (``ClaimDecidedHandler``), through ``BuyerRemainder``.
struct ReductionAdjustedHandler: MessageHandler {
    func handle(_ event: ReductionAdjusted, context: HandlerContext) throws {
        var original = try InvoiceRecord.referenced(event.invoiceID, by: "a reduction adjusted", context.db)
        let standing = try original.eventAmount(
            event.buyerReduction,
            "the buyer's standing reduction",
            allowed: 0...MinorUnits.bound
        )
        // One draft per adjustment: tax-reduction merges a year's payments into one claim, so two payments on one day
        // share claim and date; the event's own id tells them apart and stays the same when it is redelivered.
        let externalID = "reduction-\(event.claimID)-\(context.envelope.messageID)"
        let buyer = try? Personnummer(parsing: event.buyer)
        let (kind, number) = try BuyerRemainder.labels(of: original)
        // What stands of this buyer's reduction is what tax-reduction claims.
        let drafted = try BuyerRemainder.draft(
            on: &original,
            owedByBuyer: event.owedByBuyer,
            buyer: buyer,
            standingReduction: standing,
            externalID: externalID,
            line: "Ej medgivet \(kind)-avdrag för faktura \(number): \(event.reason)",
            ourReference: "\(kind)-avdrag faktura \(number)",
            whenRefused: "the \(event.owedByBuyer) the payment date does not allow on invoice \(number) could not be "
                + "drafted; see invoicing.command-rejected for claim \(event.claimID)",
            context: context
        )
        guard drafted else { return }  // this adjustment is already drafted
        try InvoiceStore.update(
            original,
            event: "reduction-adjusted",
            detail: "paid \(event.paymentDate): \(event.allowed) of the \(event.invoiced) reduction allowed for "
                + "\(buyer?.masked ?? "a buyer") (\(event.reason)); the difference \(event.owedByBuyer) is drafted as "
                + "invoice \(externalID)",
            context: context
        )
    }
}
