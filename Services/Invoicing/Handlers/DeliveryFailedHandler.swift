import KvittContracts
import KvittMessaging

/// A document of the invoice could not be delivered and is parked in delivery: the invoice's history says which
/// document, by which channel and why, so whoever reads the invoice knows the debtor may not have it. The mail
/// server's own words stay in delivery (they may name the debtor's address).
struct DeliveryFailedHandler: MessageHandler {
    func handle(_ event: DeliveryFailed, context: HandlerContext) throws {
        guard try InvoiceRecord.find(event.invoiceID, context.db) != nil else {
            context.logger.warning(
                "delivery failed for an invoice invoicing does not know",
                metadata: ["invoice.id": "\(event.invoiceID)", "document.id": "\(event.documentID)"]
            )
            return
        }
        try InvoiceHistoryRecord.record(
            "delivery-failed",
            detail: "\(event.kind.rawValue) by \(event.channel.rawValue): \(event.reason) after \(event.attempts) "
                + "attempt(s), on \(event.on)",
            invoiceID: event.invoiceID,
            context: context.historyInfo,
            context.db
        )
    }
}
