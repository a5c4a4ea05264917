import Foundation
import KvittContracts
import KvittMessaging

/// The buyer paid on a date that allows less ROT/RUT reduction than the invoice gave (another year's rate, the
/// temporary 2025 ROT rate not reached, or the payment year's cap used up): tax-reduction claims only what is allowed,
/// and the buyer owes the difference. Invoicing drafts that invoice for the creditor to attest, with the reason, once
/// per claim (its external id is the claim's id, so a replay changes nothing), as it does for a part Skatteverket
/// refused (``ClaimDecidedHandler``).
///
/// The difference is part of a price that was already invoiced with VAT, so the line carries no VAT of its own.
struct ReductionAdjustedHandler: MessageHandler {
    func handle(_ event: ReductionAdjusted, context: HandlerContext) throws {
        var original = try InvoiceRecord.referenced(event.invoiceID, by: "a reduction adjusted", context.db)
        let owed = try original.eventAmount(
            event.owedByBuyer,
            "the amount owed by the buyer",
            allowed: 1...InvoicePricing.maximumAmount
        )
        let standing = try original.eventAmount(
            event.buyerReduction,
            "the buyer's standing reduction",
            allowed: 0...MinorUnits.bound
        )
        let externalID = "reduction-\(event.claimID)-\(event.paymentDate)"
        guard try InvoiceRecord.find(creditorID: original.creditorID, externalID: externalID, context.db) == nil else {
            return  // this adjustment is already drafted
        }
        let created = try original.createdEvent
        let buyer = try? Personnummer(parsing: event.buyer)
        let debtorIdentity = created.debtor.identityNumber.flatMap { try? Personnummer(parsing: $0) }
        var debtor = created.debtor
        if let buyer, buyer != debtorIdentity {
            // A co-buyer: the difference is theirs, at the same address; the creditor checks the name before attesting.
            debtor.identityNumber = buyer.canonical
            debtor.kind = "private"
        }
        let kind = created.taxReduction?.kind.uppercased() ?? "ROT/RUT"
        let number = original.number ?? original.id
        let command = CreateInvoice(
            creditorID: original.creditorID,
            externalID: externalID,
            debtor: debtor,
            currency: event.owedByBuyer.currency.code,
            invoiceDate: CalendarDate.today(at: context.now),
            lines: [
                .init(
                    description: "Ej medgivet \(kind)-avdrag för faktura \(number): \(event.reason)",
                    quantity: DecimalQuantity(units: 1, scale: 0),
                    unitPrice: owed,
                    vatRate: 0
                )
            ],
            ourReference: "\(kind)-avdrag faktura \(number)"
        )
        guard try CreateInvoiceHandler.create(command, context: context) else {
            // Invoicing's own rules refused the draft (say, the creditor is gone): the difference must not vanish.
            throw PermanentFailure(
                reason: "remainder-not-drafted",
                detail: "the \(event.owedByBuyer) the payment date does not allow on invoice \(number) could not be "
                    + "drafted; see invoicing.command-rejected for claim \(event.claimID)"
            )
        }
        // The buyer is billed the difference, so what stands of this buyer's reduction is what tax-reduction claims: a
        // later credit takes back no more than that.
        var buyers = try original.buyerReductions
        if let index = buyers.firstIndex(where: { $0.personnummer == buyer?.canonical }) {
            buyers[index].reduction = min(buyers[index].reduction, standing)
            try original.setBuyerReductions(buyers)
        }
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
