import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Charges a creditor for chargeable acts: one `invoicing.platform-fee-charged.v1` per act, at the creditor's price
/// when the act happened, recorded in the same transaction as the handled message (inbox, outbox and fee row commit
/// together), so that a redelivered or replayed act event is never charged twice.
enum PlatformFees {
    /// A chargeable act, by the event that marked it.
    struct Act {
        /// The act's event: its message id is the fee's key, its timestamp picks the price.
        let event: MessageEnvelope
        let service: ChargeableService
        let creditorID: String
        /// The day of the act (Stockholm): the statement month.
        let on: CalendarDate
        var invoiceID: String?
        var claimFileID: String?
    }

    /// Charges the act unless its event was charged before; returns the fee published, or `nil` for a repeat.
    /// - Throws: `PermanentFailure` `unknown-creditor` for a creditor invoicing never registered.
    @discardableResult
    static func charge(_ act: Act, context: HandlerContext) throws -> CreditorPlatformFeeCharged? {
        if let earlier = try PlatformFeeRecord.fetchOne(context.db, key: act.event.messageID) {
            context.logger.info(
                "act already charged",
                metadata: ["act.message.id": "\(act.event.messageID)", "fee.message.id": "\(earlier.feeMessageID)"]
            )
            return nil
        }
        guard try CreditorRecord.exists(context.db, key: act.creditorID) else {
            throw PermanentFailure(
                reason: "unknown-creditor",
                detail:
                    "\(act.event.type) \(act.event.messageID) is a chargeable act of unknown creditor \(act.creditorID)"
            )
        }
        let price = try PriceStore.price(act.service, creditorID: act.creditorID, at: act.event.timestamp, context.db)
        let fee = CreditorPlatformFeeCharged(
            creditorID: act.creditorID,
            service: act.service,
            amount: Money(minorUnits: price.price, PriceList.currency),
            priceSource: price.source,
            on: act.on,
            actMessageID: act.event.messageID,
            actType: act.event.type,
            invoiceID: act.invoiceID,
            claimFileID: act.claimFileID
        )
        let published = try context.publish(fee)
        let date = act.on.description
        try PlatformFeeRecord(
            actMessageID: act.event.messageID,
            feeMessageID: published.messageID,
            creditorID: act.creditorID,
            service: act.service.rawValue,
            amount: price.price,
            priceSource: price.source.rawValue,
            actType: act.event.type.rawValue,
            actDate: date,
            month: String(date.prefix(7)),
            invoiceID: act.invoiceID,
            claimFileID: act.claimFileID,
            chargedAt: context.now.timeIntervalSince1970
        )
        .insert(context.db)
        return fee
    }

    /// The act an event about an invoice marks: the creditor is the invoice's.
    static func invoiceAct(
        _ service: ChargeableService,
        invoiceID: String,
        on: CalendarDate,
        what: String,
        context: HandlerContext
    ) throws -> Act {
        let invoice = try InvoiceRecord.referenced(invoiceID, by: what, context.db)
        return Act(
            event: context.envelope,
            service: service,
            creditorID: invoice.creditorID,
            on: on,
            invoiceID: invoiceID
        )
    }
}

/// Charges a collection step that is a chargeable act (reminder, collection letter, installment plan, application,
/// a quarter of surveillance) at the creditor's price for `service`.
struct CollectionStepFeeHandler<Kind: CollectionStepKind>: MessageHandler {
    let service: ChargeableService

    func handle(_ event: CollectionStepEvent<Kind>, context: HandlerContext) throws {
        let act = try PlatformFees.invoiceAct(
            service,
            invoiceID: event.invoiceID,
            on: event.on,
            what: "\(Kind.messageType)",
            context: context
        )
        try PlatformFees.charge(act, context: context)
    }
}

/// Charges a ROT/RUT claim file written for Skatteverket.
struct ClaimFileFeeHandler: MessageHandler {
    func handle(_ event: ClaimFileGenerated, context: HandlerContext) throws {
        let act = PlatformFees.Act(
            event: context.envelope,
            service: .claimFile,
            creditorID: event.creditorID,
            on: CalendarDate.today(at: context.envelope.timestamp),
            claimFileID: event.fileID
        )
        try PlatformFees.charge(act, context: context)
    }
}

/// Charges a delivered document by its channel: an invoice or credit invoice by post, e-mail or Peppol, any other
/// document by post (its postage). Another document by e-mail is part of its step's price and costs nothing more.
struct DocumentDeliveredFeeHandler: MessageHandler {
    func handle(_ event: DocumentDelivered, context: HandlerContext) throws {
        // The invoice's history says which document reached the debtor, how and when (beside delivery-failed).
        if try InvoiceRecord.find(event.invoiceID, context.db) != nil {
            try InvoiceHistoryRecord.record(
                "document-delivered",
                detail: "\(event.kind.rawValue) by \(event.channel.rawValue) on \(event.on) after \(event.attempts) "
                    + "attempt(s)",
                invoiceID: event.invoiceID,
                context: context.historyInfo,
                context.db
            )
        }
        guard let service = Self.service(event.kind, event.channel) else {
            context.logger.debug("delivery not charged separately", metadata: ["document.id": "\(event.documentID)"])
            return
        }
        let act = try PlatformFees.invoiceAct(
            service,
            invoiceID: event.invoiceID,
            on: event.on,
            what: "\(DocumentDelivered.messageType)",
            context: context
        )
        try PlatformFees.charge(act, context: context)
    }

    /// The service a delivery is charged as, or `nil` when it is part of the step that made the document.
    static func service(_ kind: DocumentKind, _ channel: DeliveryChannel) -> ChargeableService? {
        let isInvoice = kind == .invoice || kind == .creditInvoice
        switch channel {
        case .print: return isInvoice ? .invoiceByPost : .letterByPost
        case .email: return isInvoice ? .invoiceByEmail : nil
        case .peppol: return isInvoice ? .invoiceByEInvoice : nil
        }
    }
}
