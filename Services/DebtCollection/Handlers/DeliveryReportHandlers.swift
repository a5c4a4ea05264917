import GRDB
import KvittContracts
import KvittMessaging

/// Delivery's reports on the case's letters (`delivery.document-delivered.v1`, `delivery.delivery-failed.v1`): each
/// becomes one entry in the case's history, which the ladder skips (``CollectionEvent/isDeliveryReport``) and
/// preskription reads (``Preskription/interruptionDate(of:in:)``).
///
/// Reports on invoices and credit invoices are invoicing's and are passed over. A report is tied to its letter by the
/// document id (``CollectionLetter``); one that names no letter of debt-collection, another case or another kind than
/// the letter's, or malformed fields is dead-lettered with the reason and changes nothing: it cannot become valid by
/// waiting, since the letter was stored before its event left. A date before the letter was sent or after today is
/// recorded as the nearer of the two. The same report twice (a redelivery under a new message id, a replay) gives
/// one entry: the document, channel and outcome are the key.
enum DeliveryReportHandlers {
    /// The dead letter's reason for a report whose fields cannot be right.
    static let invalidReport = "invalid-delivery-report"
    /// The dead letter's reason for a report on a document debt-collection never made.
    static let unknownLetter = "unknown-letter"
    /// The longest document id accepted: delivery's ids are a kind and a message id, far shorter.
    static let maximumDocumentIDLength = 200
    /// The longest failure reason code accepted.
    static let maximumReasonLength = 64

    /// Takes either report: both are the same question (which letter, which channel, which day) and differ only in
    /// the outcome.
    struct Handler<Report: DeliveryReport>: MessageHandler {
        func handle(_ report: Report, context: HandlerContext) throws {
            try DeliveryReportHandlers.record(report, context: context)
        }
    }

    /// Appends the report to its case's history once.
    static func record(_ report: some DeliveryReport, context: HandlerContext) throws {
        let (documentID, invoiceID, kind, channel) = (report.documentID, report.invoiceID, report.kind, report.channel)
        let (date, failure) = (report.on, report.failureReason)
        guard kind != .invoice, kind != .creditInvoice else {
            context.logger.debug("delivery report on an invoice: invoicing's", metadata: ["invoice.id": "\(invoiceID)"])
            return
        }
        let what =
            "\(failure == nil ? "document-delivered" : "delivery-failed") of \(kind.rawValue) for invoice "
            + "\(invoiceID.prefix(maximumDocumentIDLength))"
        guard documentID.utf8.count <= maximumDocumentIDLength,
            let messageID = kind.messageID(inDocumentID: documentID)
        else {
            throw PermanentFailure(
                reason: invalidReport,
                detail:
                    "\(what): documentID must be '\(kind.documentID(messageID: "<message id>"))' of at most "
                    + "\(maximumDocumentIDLength) bytes"
            )
        }
        if let failure {
            guard (1...maximumReasonLength).contains(failure.utf8.count),
                failure.utf8.allSatisfy({
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "-")
                })
            else {
                throw PermanentFailure(
                    reason: invalidReport,
                    detail: "\(what): reason must be a code of a-z and '-', at most \(maximumReasonLength) bytes"
                )
            }
        }
        guard let letter = try CollectionLetter.fetchOne(context.db, key: messageID) else {
            throw PermanentFailure(
                reason: unknownLetter,
                detail: "\(what): debt-collection made no document \(documentID)"
            )
        }
        guard letter.invoiceID == invoiceID, letter.kind == kind.rawValue, let sentOn = CalendarDate(letter.sentOn)
        else {
            throw PermanentFailure(
                reason: invalidReport,
                detail: "\(what): document \(documentID) is the \(letter.kind) of invoice \(letter.invoiceID)"
            )
        }
        // Delivery's day comes from its own clock. A day before the letter was sent, or after today here, is the two
        // clocks disagreeing (as under time travel, which moves one service after another) or a forged date: it is
        // taken as the nearest day that can be true, never later than today, so that it can only make preskription
        // earlier, the safe direction.
        let today = CalendarDate.today(at: context.now)
        let day = max(sentOn, min(date, today))
        if day != date {
            context.logger.warning(
                "delivery report dated outside the letter's sending and today: recorded on the nearest of the two",
                metadata: [
                    "invoice.id": "\(invoiceID)", "document.id": "\(documentID)", "reported": "\(date)",
                    "recorded": "\(day)",
                ]
            )
        }
        guard var record = try context.collectionCase(invoiceID) else {
            throw PermanentFailure(reason: unknownLetter, detail: "\(what): no collection case for the invoice")
        }
        let delivered = ReportedLetter(documentID: documentID, kind: kind, channel: channel, sentOn: sentOn)
        let entry: CollectionEvent =
            failure.map { .deliveryFailed(on: day, document: delivered, reason: $0) }
            ?? .documentDelivered(on: day, document: delivered)
        try permanentlyFailing(what) {
            let known = try record.events.contains { existing in
                guard let report = existing.deliveryReport else { return false }
                return report.letter.documentID == documentID && report.letter.channel == channel
                    && report.delivered == (failure == nil)
            }
            guard !known else {
                context.logger.info(
                    "delivery report already in the case's history",
                    metadata: ["invoice.id": "\(invoiceID)", "document.id": "\(documentID)"]
                )
                return
            }
            try record.append(entry)
            try record.update(context.db)
        }
    }
}

/// What debt-collection reads from delivery's two reports on a document.
protocol DeliveryReport: KvittMessage {
    var documentID: String { get }
    var invoiceID: String { get }
    var kind: DocumentKind { get }
    var channel: DeliveryChannel { get }
    var on: CalendarDate { get }
    /// Delivery's reason code when the document could not be delivered; `nil` when it was.
    var failureReason: String? { get }
}

extension DocumentDelivered: DeliveryReport {
    var failureReason: String? { nil }
}

extension DeliveryFailed: DeliveryReport {
    var failureReason: String? { reason }
}
