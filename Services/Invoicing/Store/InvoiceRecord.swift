import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// An invoice row: the key facts as columns (for filters and balances), the full created/issued events as JSON.
struct InvoiceRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "invoice"

    enum Status: String, Codable, Sendable, CaseIterable {
        case draft, issued, closed
    }

    /// Where the ROT/RUT allocation stands.
    enum ReductionState: String, Codable, Sendable {
        case none, pending, allocated, rejected
    }

    var id: String
    var creditorID: String
    var externalID: String
    var kind: String
    var status: Status
    var reductionState: ReductionState
    var reductionAmount: Int64
    var reductionDetail: String?
    /// Each buyer's reduction and labour as they stand: what tax-reduction allocated, less what credits took back.
    var reductionBuyers: String?
    /// On a credit invoice: which lines of its original it credits and how much of each (JSON of
    /// `CreateCreditInvoice.CreditedLine`), so that no line is credited twice over.
    var creditedLines: String?
    var number: String?
    var ocr: String?
    var currency: String
    var invoiceDate: String
    var dueDate: String
    var debtorName: String
    var debtorIdentity: String?
    var total: Int64
    var amountDue: Int64
    var credited: Int64
    var creditApplied: Int64
    var paid: Int64
    /// Fees and interest debt-collection added to the claim.
    var fees: Int64
    var originalInvoiceID: String?
    var created: Data
    var issued: Data?
    var issuedAt: Double?
    var closedAt: Double?

    /// What the debtor still owes (negative for an unused credit).
    var balance: Int64 { amountDue - credited - creditApplied - paid + fees }

    var createdEvent: InvoiceCreated {
        get throws { try MessageCoding.decode(InvoiceCreated.self, from: [UInt8](created)) }
    }

    var issuedEvent: InvoiceIssued? {
        get throws { try issued.map { try MessageCoding.decode(InvoiceIssued.self, from: [UInt8]($0)) } }
    }

    var currencyValue: Currency { Currency(code: currency) ?? .sek }

    /// Each buyer's reduction; empty without one. An invoice allocated before invoicing kept the buyers has them
    /// rebuilt from its request: labour and reduction split evenly, as tax-reduction allocated then.
    var buyerReductions: [BuyerReduction] {
        get throws {
            if let reductionBuyers {
                return try MessageCoding.decode([BuyerReduction].self, from: Array(reductionBuyers.utf8))
            }
            guard reductionAmount > 0, let detail = try createdEvent.taxReduction else { return [] }
            let buyers = detail.request.buyers.compactMap { try? Personnummer(parsing: $0).canonical }
            guard !buyers.isEmpty else { return [] }
            let labours = try detail.labourCostIncludingVAT.split(into: buyers.count)
            let kronor = try Money(minorUnits: reductionAmount / 100, currencyValue).split(into: buyers.count)
            return buyers.indices.map {
                BuyerReduction(personnummer: buyers[$0], reduction: kronor[$0].amount * 100, labour: labours[$0].amount)
            }
        }
    }

    mutating func setBuyerReductions(_ buyers: [BuyerReduction]) throws {
        reductionBuyers = String(decoding: try MessageCoding.encode(buyers), as: UTF8.self)
    }

    func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currencyValue) }

    static func find(_ id: String, _ db: Database) throws -> InvoiceRecord? {
        try InvoiceRecord.fetchOne(db, key: id)
    }

    /// The invoice an event from another service refers to. Invoicing issued every invoice the others know, so an
    /// unknown one is a faulty event: parked at once as `unknown-invoice`, `what` saying which event it was.
    static func referenced(_ id: String, by what: String, _ db: Database) throws -> InvoiceRecord {
        guard let invoice = try find(id, db) else {
            throw PermanentFailure(reason: "unknown-invoice", detail: "\(what) for unknown invoice \(id)")
        }
        return invoice
    }

    static func find(creditorID: String, externalID: String, _ db: Database) throws -> InvoiceRecord? {
        try InvoiceRecord.fetchOne(
            db,
            sql: "SELECT * FROM invoice WHERE creditorID = ? AND externalID = ?",
            arguments: [creditorID, externalID]
        )
    }
}

/// A creditor row: the registered settings as JSON and the next invoice number.
struct CreditorRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "creditor"
    var id: String
    var settings: Data
    var nextNumber: Int64
    var registeredAt: Double

    var registration: RegisterCreditor {
        get throws { try MessageCoding.decode(RegisterCreditor.self, from: [UInt8](settings)) }
    }
}

/// One line of an invoice's history.
struct InvoiceHistoryRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "invoice_history"
    var id: Int64?
    var invoiceID: String
    var at: Double
    var messageID: String
    var messageType: String
    var event: String
    var detail: String

    /// Appends what a message did to an invoice.
    static func record(_ event: String, detail: String, invoiceID: String, context: HandlerContextInfo, _ db: Database)
        throws
    {
        let row = InvoiceHistoryRecord(
            id: nil,
            invoiceID: invoiceID,
            at: context.now.timeIntervalSince1970,
            messageID: context.messageID,
            messageType: context.messageType,
            event: event,
            detail: PersonalDataMasking.maskValidIdentityNumbers(detail)
        )
        try row.insert(db)
    }
}

/// The message facts a history line keeps.
struct HandlerContextInfo {
    let now: Date
    let messageID: String
    let messageType: String
}
