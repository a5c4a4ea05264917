import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Keeps each creditor's registration: the letters' sender, organisation number and bankgiro.
struct CreditorRegisteredHandler: MessageHandler {
    func handle(_ event: CreditorRegistered, context: HandlerContext) throws {
        try context.db.execute(
            sql: "INSERT INTO creditor (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            arguments: [event.creditor.creditorID, try StoredJSON.encode(event.creditor)]
        )
    }
}

/// Keeps a draft's lines and totals, which invoice-issued does not carry, for the invoice document.
struct InvoiceCreatedHandler: MessageHandler {
    func handle(_ event: InvoiceCreated, context: HandlerContext) throws {
        try context.db.execute(
            sql: """
                INSERT INTO invoice (id, created) VALUES (?, ?)
                ON CONFLICT(id) DO UPDATE SET created = excluded.created
                """,
            arguments: [event.invoiceID, try StoredJSON.encode(event)]
        )
    }
}

/// An issued invoice: kept for the letters that may follow (the debtor's address, the OCR, the capital), and its
/// document recorded for rendering and delivery.
struct InvoiceIssuedHandler: MessageHandler {
    func handle(_ event: InvoiceIssued, context: HandlerContext) throws {
        var event = event
        // A contact change handled before this event is newer than the debtor it carries.
        if let debtor = try DeliveryRecords.changedDebtor(event.invoiceID, context.db) {
            event.debtor = debtor
        }
        guard let creditor = try DeliveryRecords.creditor(event.creditorID, context.db) else {
            throw NotYetKnown(reason: "unknown-creditor", detail: "creditor \(event.creditorID)")
        }
        guard let created = try DeliveryRecords.created(event.invoiceID, context.db) else {
            throw NotYetKnown(reason: "unknown-invoice", detail: "invoice-created of \(event.invoiceID)")
        }
        try context.db.execute(
            sql: """
                INSERT INTO invoice (id, issued) VALUES (?, ?)
                ON CONFLICT(id) DO UPDATE SET issued = excluded.issued
                """,
            arguments: [event.invoiceID, try StoredJSON.encode(event)]
        )
        var letter = LetterData(issued: event, creditor: creditor)
        letter.kind = event.kind == "credit" ? .creditInvoice : .invoice
        letter.lines = created.lines
        letter.totals = created.totals
        try DeliveryRecords.recordDocument(letter, invoiceID: event.invoiceID, context: context)
    }
}

/// Keeps the fees and interest debt-collection charged, for the letter that follows them.
struct FeesChargedHandler: MessageHandler {
    func handle(_ event: FeesCharged, context: HandlerContext) throws {
        try context.db.execute(
            sql: "INSERT INTO fee_charge (invoiceID, body) VALUES (?, ?)",
            arguments: [event.invoiceID, try StoredJSON.encode(event)]
        )
    }
}

/// A collection step that sends the debtor (or, for the application, the creditor) a letter: the letter is made
/// from the step's own event (date, pay-by date, outstanding) and the fees charged up to it.
struct CollectionLetterHandler<Kind: CollectionStepKind>: MessageHandler {
    typealias Message = CollectionStepEvent<Kind>
    func handle(_ event: CollectionStepEvent<Kind>, context: HandlerContext) throws {
        // The step's document, as the contract names it (debt-collection names the same one to find its reports).
        guard let documentKind = Kind.documentKind else {
            throw PermanentFailure(reason: "no-document", detail: "\(Kind.messageType) makes no document")
        }
        guard let issued = try DeliveryRecords.issued(event.invoiceID, context.db) else {
            throw NotYetKnown(reason: "unknown-invoice", detail: "invoice-issued of \(event.invoiceID)")
        }
        guard let creditor = try DeliveryRecords.creditor(issued.creditorID, context.db) else {
            throw NotYetKnown(reason: "unknown-creditor", detail: "creditor \(issued.creditorID)")
        }
        let documentID = DeliveryRecords.documentID(documentKind, messageID: context.envelope.messageID)
        // The fees charged since the last letter belong to this one: debt-collection publishes them before the step.
        try context.db.execute(
            sql: "UPDATE fee_charge SET documentID = ? WHERE invoiceID = ? AND documentID IS NULL",
            arguments: [documentID, event.invoiceID]
        )
        let charges = try String.fetchAll(
            context.db,
            sql: "SELECT body FROM fee_charge WHERE invoiceID = ? ORDER BY seq",
            arguments: [event.invoiceID]
        ).map { try StoredJSON.decode(FeesCharged.self, $0) }
        var letter = LetterData(issued: issued, creditor: creditor)
        letter.kind = documentKind
        letter.documentDate = event.on
        letter.payBy = event.payBy
        letter.outstanding = event.outstanding
        letter.detail = event.detail
        letter.fees = charges.flatMap(\.fees)
        var interest = Money.zero(issued.amountDue.currency)
        for charge in charges {
            do {
                interest = try interest.adding(charge.interest)
            } catch {
                throw PermanentFailure(reason: "amount-overflow", detail: "the interest charged on \(event.invoiceID)")
            }
        }
        letter.interest = interest
        try DeliveryRecords.recordDocument(
            letter,
            invoiceID: event.invoiceID,
            context: context,
            messageID: context.envelope.messageID
        )
    }
}

extension LetterData {
    /// A document's data from the invoice as issued; the caller sets the kind and what the step adds.
    init(issued: InvoiceIssued, creditor: RegisterCreditor) {
        self.init(
            kind: .invoice,
            language: DocumentLanguage(for: issued.debtor),
            documentDate: issued.invoiceDate,
            creditor: Creditor(
                name: creditor.name,
                organisationNumber: creditor.organisationNumber,
                bankgiro: creditor.bankgiro
            ),
            debtor: issued.debtor,
            invoiceNumber: issued.invoiceNumber,
            ocr: issued.ocr,
            invoiceDate: issued.invoiceDate,
            dueDate: issued.dueDate,
            currency: issued.amountDue.currency.code,
            taxReduction: issued.taxReduction,
            amountDue: issued.amountDue,
            paymentMeans: issued.paymentMeans
        )
    }
}

/// Reads and writes delivery's tables.
enum DeliveryRecords {
    static func creditor(_ id: String, _ db: Database) throws -> RegisterCreditor? {
        try String.fetchOne(db, sql: "SELECT body FROM creditor WHERE id = ?", arguments: [id])
            .map { try StoredJSON.decode(RegisterCreditor.self, $0) }
    }

    static func created(_ invoiceID: String, _ db: Database) throws -> InvoiceCreated? {
        try String.fetchOne(db, sql: "SELECT created FROM invoice WHERE id = ?", arguments: [invoiceID])
            .map { try StoredJSON.decode(InvoiceCreated.self, $0) }
    }

    /// The debtor as the last debtor-contact-changed gave it, if there was one.
    static func changedDebtor(_ invoiceID: String, _ db: Database) throws -> Debtor? {
        try String.fetchOne(db, sql: "SELECT debtor FROM invoice WHERE id = ?", arguments: [invoiceID])
            .map { try StoredJSON.decode(Debtor.self, $0) }
    }

    static func issued(_ invoiceID: String, _ db: Database) throws -> InvoiceIssued? {
        try String.fetchOne(db, sql: "SELECT issued FROM invoice WHERE id = ?", arguments: [invoiceID])
            .map { try StoredJSON.decode(InvoiceIssued.self, $0) }
    }

    /// A document's id (``DocumentKind/documentID(messageID:)``): debt-collection finds its step by it.
    static func documentID(_ kind: DocumentKind, messageID: String) -> String {
        kind.documentID(messageID: messageID)
    }

    /// Records a document to render and its delivery by the recipient's channel; the worker does the rest.
    static func recordDocument(
        _ letter: LetterData,
        invoiceID: String,
        context: HandlerContext,
        messageID: String? = nil
    ) throws {
        let id = documentID(letter.kind, messageID: messageID ?? context.envelope.messageID)
        try context.db.execute(
            sql: """
                INSERT INTO document (id, invoiceID, kind, createdAt, data) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO NOTHING
                """,
            arguments: [id, invoiceID, letter.kind.rawValue, context.now, try StoredJSON.encode(letter)]
        )
        let route = DeliveryRoute(for: letter)
        try context.db.execute(
            sql: """
                INSERT INTO delivery (documentID, channel, recipient, state, nextAttemptAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(documentID, channel) DO NOTHING
                """,
            arguments: [
                id, route.channel.rawValue, route.recipient, DeliveryState.pending.rawValue, context.now, context.now,
            ]
        )
        context.logger.info(
            "document recorded",
            metadata: ["document.id": "\(id)", "invoice.id": "\(invoiceID)", "channel": "\(route.channel)"]
        )
    }
}

/// Where a document goes: the debtor's preferred channel when it can carry the document, else e-mail when the
/// debtor gave a usable address, else print. Peppol carries invoices and credit invoices only (letters have no
/// Peppol document); the application for betalningsföreläggande is for the creditor to file, so it is printed.
struct DeliveryRoute: Equatable {
    var channel: DeliveryChannel
    /// The e-mail address, the Peppol participant id, or the print batch's name.
    var recipient: String

    static let printed = DeliveryRoute(channel: .print, recipient: "print")

    init(channel: DeliveryChannel, recipient: String) {
        self.channel = channel
        self.recipient = recipient
    }

    init(for letter: LetterData) {
        guard letter.kind != .enforcementApplication else {
            self = .printed
            return
        }
        let debtor = letter.debtor
        let email = debtor.email.flatMap { EmailAddress.isUsable($0) ? $0 : nil }
        let peppolID = debtor.peppolID.flatMap { DebtorContactRules.isPeppolID($0) ? $0 : nil }
        let isInvoice = letter.kind == .invoice || letter.kind == .creditInvoice
        switch debtor.preferredChannel {
        case .peppol? where isInvoice && peppolID != nil:
            self.init(channel: .peppol, recipient: peppolID ?? "")
        case .print?:
            self = .printed
        default:
            self = email.map { DeliveryRoute(channel: .email, recipient: $0) } ?? .printed
        }
    }
}

/// The state of one delivery (document and channel).
enum DeliveryState: String, Sendable, CaseIterable {
    /// Waiting for its first attempt.
    case pending
    /// The last attempt failed transiently; the next is at `nextAttemptAt`.
    case failed
    /// The whole message was handed to the server and its answer not recorded yet. Found at start-up, the server
    /// may have accepted it: it is parked, never sent again automatically.
    case sending
    /// Accepted by the server (or written to the print outbox).
    case sent
    /// Given up, with the reason in `lastError`.
    case parked
}

/// An e-mail address the SMTP client may put in `RCPT TO` and a header as it is.
enum EmailAddress {
    static func isUsable(_ address: String) -> Bool { DebtorContactRules.isUsableEmail(address) }
}

/// JSON in a TEXT column, through the contracts' coding (dates as the wire has them).
enum StoredJSON {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try MessageCoding.encode(value), as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try MessageCoding.decode(type, from: Array(text.utf8))
    }
}
