/// How a document reaches its recipient.
public enum DeliveryChannel: String, Codable, Sendable, CaseIterable {
    /// E-mail through SMTP with the PDF attached.
    case email
    /// A PDF in the print outbox, for the day's print batch.
    case print
    /// A Peppol BIS Billing 3.0 UBL invoice or credit note in the Peppol outbox, for an access point to send (invoices
    /// and credit invoices only; letters have no Peppol document).
    case peppol
}

/// What a document is, by the event that decided it.
public enum DocumentKind: String, Codable, Sendable, CaseIterable {
    /// An invoice (from `invoicing.invoice-issued.v1` of kind `debit`).
    case invoice
    /// A credit invoice (from `invoicing.invoice-issued.v1` of kind `credit`).
    case creditInvoice = "credit-invoice"
    /// A påminnelse (from `debt-collection.reminder-sent.v1`).
    case reminder
    /// An inkassokrav (from `debt-collection.collection-letter-sent.v1`).
    case collectionLetter = "collection-letter"
    /// A renewed demand under long-term surveillance (from `debt-collection.surveillance-letter-sent.v1`).
    case surveillanceLetter = "surveillance-letter"
    /// The printable summary of an application for betalningsföreläggande, for the creditor to file.
    case enforcementApplication = "enforcement-application"
}

extension DocumentKind {
    /// A document's id: its kind and the id of the message that decided it (`reminder-<message id>`), so that a
    /// redelivered event finds the document again and the service that decided it finds its step from a report.
    public func documentID(messageID: String) -> String { "\(rawValue)-\(messageID)" }

    /// The id of the message that decided `documentID`, or `nil` when it is not a document of this kind.
    public func messageID(inDocumentID documentID: String) -> String? {
        let prefix = "\(rawValue)-"
        guard documentID.hasPrefix(prefix), documentID.count > prefix.count else { return nil }
        return String(documentID.dropFirst(prefix.count))
    }
}

/// A document reached its channel: the mail server accepted the message, or the PDF is in the print outbox.
public struct DocumentDelivered: KvittMessage, Equatable {
    public static let messageType: MessageType = "delivery.document-delivered.v1"
    /// The document's id: its kind and the id of the event that decided it.
    public var documentID: String
    public var invoiceID: String
    public var kind: DocumentKind
    public var channel: DeliveryChannel
    /// The business day it was delivered.
    public var on: CalendarDate
    /// How many attempts it took (1 when the first succeeded).
    public var attempts: Int
    /// The mail server's answer to the message, or the print file's name.
    public var receipt: String?

    public init(
        documentID: String,
        invoiceID: String,
        kind: DocumentKind,
        channel: DeliveryChannel,
        on: CalendarDate,
        attempts: Int,
        receipt: String? = nil
    ) {
        self.documentID = documentID
        self.invoiceID = invoiceID
        self.kind = kind
        self.channel = channel
        self.on = on
        self.attempts = attempts
        self.receipt = receipt
    }
}

/// A document could not be delivered and is parked: a permanent refusal, retries used up, or a delivery that may
/// have reached the server before a crash (never sent again automatically).
public struct DeliveryFailed: KvittMessage, Equatable {
    public static let messageType: MessageType = "delivery.delivery-failed.v1"
    public var documentID: String
    public var invoiceID: String
    public var kind: DocumentKind
    public var channel: DeliveryChannel
    public var on: CalendarDate
    /// A stable code: `permanent-refusal`, `retries-exhausted`, `in-doubt`, `no-address`, `render-failed`.
    public var reason: String
    /// What happened, for the operator (the server's answer, the error).
    public var detail: String
    public var attempts: Int

    public init(
        documentID: String,
        invoiceID: String,
        kind: DocumentKind,
        channel: DeliveryChannel,
        on: CalendarDate,
        reason: String,
        detail: String,
        attempts: Int
    ) {
        self.documentID = documentID
        self.invoiceID = invoiceID
        self.kind = kind
        self.channel = channel
        self.on = on
        self.reason = reason
        self.detail = detail
        self.attempts = attempts
    }
}
