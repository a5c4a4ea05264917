import Foundation
import KvittContracts
import KvittMessaging

/// Part of a ROT/RUT reduction that the buyer owes after all — Skatteverket refused it (``ClaimDecidedHandler``), or
/// the payment date allows less (``ReductionAdjustedHandler``) — drafted as an invoice for the creditor to attest.
///
/// The amount is part of a price that was already invoiced with VAT, so the line carries no VAT of its own. The draft's
/// external id names the claim (and, for an adjustment, the event), so a replay finds it and changes nothing.
enum BuyerRemainder {
    /// The reduction's kind (`ROT`, `RUT`) and the original's number, for the draft's texts.
    static func labels(of original: InvoiceRecord) throws -> (kind: String, number: String) {
        (try original.createdEvent.taxReduction?.kind.uppercased() ?? "ROT/RUT", original.number ?? original.id)
    }

    /// Drafts the invoice of `owedByBuyer` and lowers the buyer's standing reduction to `standingReduction`, so that a
    /// later credit takes back no more than stands. Returns false when the draft already exists (a replay): nothing
    /// changes.
    /// - Throws: ``PermanentFailure`` when `owedByBuyer` is not an amount an invoice line can hold in the original's
    ///   currency; `remainder-not-drafted` when invoicing's own rules refuse the draft (say, the creditor is gone):
    ///   the amount must not vanish.
    static func draft(
        on original: inout InvoiceRecord,
        owedByBuyer: Money,
        buyer: Personnummer?,
        standingReduction: Int64,
        externalID: String,
        line: String,
        ourReference: String,
        whenRefused detail: String,
        context: HandlerContext
    ) throws -> Bool {
        // What the buyer owes becomes an invoice line of its own, so it must be an amount an invoice can hold.
        let owed = try original.eventAmount(
            owedByBuyer,
            "the amount owed by the buyer",
            allowed: 1...InvoicePricing.maximumAmount
        )
        guard try InvoiceRecord.find(creditorID: original.creditorID, externalID: externalID, context.db) == nil else {
            return false
        }
        let created = try original.createdEvent
        let debtorIdentity = created.debtor.identityNumber.flatMap { try? Personnummer(parsing: $0) }
        var debtor = created.debtor
        if let buyer, buyer != debtorIdentity {
            // A co-buyer: the amount is theirs, at the same address; the creditor checks the name before attesting.
            debtor.identityNumber = buyer.canonical
            debtor.kind = "private"
        }
        let command = CreateInvoice(
            creditorID: original.creditorID,
            externalID: externalID,
            debtor: debtor,
            currency: owedByBuyer.currency.code,
            invoiceDate: CalendarDate.today(at: context.now),
            lines: [
                .init(description: line, quantity: DecimalQuantity(units: 1, scale: 0), unitPrice: owed, vatRate: 0)
            ],
            ourReference: ourReference
        )
        guard try CreateInvoiceHandler.create(command, context: context) else {
            throw PermanentFailure(reason: "remainder-not-drafted", detail: detail)
        }
        var buyers = try original.buyerReductions
        if let index = buyers.firstIndex(where: { $0.personnummer == buyer?.canonical }) {
            buyers[index].reduction = min(buyers[index].reduction, standingReduction)
            try original.setBuyerReductions(buyers)
        }
        return true
    }
}
