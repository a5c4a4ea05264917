import Foundation
import GRDB
import KvittContracts

/// What one issued invoice still expects to receive.
struct ReceivableRecord: FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "receivable"
    var invoiceID: String
    var creditorID: String
    var invoiceNumber: String
    var ocr: String
    var payeeBankgiro: String?
    var currency: String
    var amountDue: Int64
    /// Credits and applied credits (lower what is due) and fees (raise it, negative here).
    var adjustments: Int64
    /// What payments applied to it: the sum of its allocations, never stored on the row. A bank file settling
    /// payments across a million open receivables would otherwise rewrite a page of the table per payment, which
    /// made matching 1.6 times as costly as with ten thousand (BENCHMARKS.md).
    var paid: Int64
    var reconcilableFromBankgiro: Bool
    var dueDate: String
    var debtorName: String
    /// The debtor's organisationsnummer or personnummer, normalised (``PayerIdentity/identity(_:)``), when known.
    var debtorIdentity: String?
    /// Who owes it, as payers are linked to debtors: `id:` and the identity, or `name:` and the lowercased name.
    var debtorKey: String

    var balance: Int64 { amountDue - adjustments - paid }
    var currencyValue: Currency { Currency(code: currency) ?? .sek }
    func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currencyValue) }
}

extension ReceivableRecord {
    /// What applied payments sum to, as the column `paid` of every read.
    static let paidExpression =
        "(SELECT COALESCE(SUM(allocation.amount), 0) FROM allocation WHERE allocation.invoiceID = receivable.invoiceID)"
    /// What the receivable still owes, in SQL (``paidExpression`` taken from the amount due less adjustments).
    static let balanceExpression = "receivable.amountDue - receivable.adjustments - \(paidExpression)"

    /// Reads by the query interface (`fetchOne(db, key:)`) include `paid`.
    static var databaseSelection: [any SQLSelectable] { [AllColumns(), SQL(sql: "\(paidExpression) AS paid")] }

    /// The start of a raw query for receivables, `paid` included: add `WHERE …`.
    static let select = "SELECT receivable.*, \(paidExpression) AS paid FROM receivable"

    func encode(to container: inout PersistenceContainer) throws {
        container["invoiceID"] = invoiceID
        container["creditorID"] = creditorID
        container["invoiceNumber"] = invoiceNumber
        container["ocr"] = ocr
        container["payeeBankgiro"] = payeeBankgiro
        container["currency"] = currency
        container["amountDue"] = amountDue
        container["adjustments"] = adjustments
        container["reconcilableFromBankgiro"] = reconcilableFromBankgiro
        container["dueDate"] = dueDate
        container["debtorName"] = debtorName
        container["debtorIdentity"] = debtorIdentity
        container["debtorKey"] = debtorKey
    }

    /// Read by column name rather than through `Decodable`: matching reads one receivable per payment, and the
    /// Codable path was a twentieth of a bank file's time.
    init(row: Row) throws {
        invoiceID = row["invoiceID"]
        creditorID = row["creditorID"]
        invoiceNumber = row["invoiceNumber"]
        ocr = row["ocr"]
        payeeBankgiro = row["payeeBankgiro"]
        currency = row["currency"]
        amountDue = row["amountDue"]
        adjustments = row["adjustments"]
        paid = row["paid"]
        reconcilableFromBankgiro = row["reconcilableFromBankgiro"]
        dueDate = row["dueDate"]
        debtorName = row["debtorName"]
        debtorIdentity = row["debtorIdentity"]
        debtorKey = row["debtorKey"]
    }
}

/// One payment, with what of it is not applied to any invoice (unmatched or overpaid).
struct PaymentRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "payment"

    enum Status: String, Codable, Sendable {
        /// Fully applied to invoices.
        case matched
        /// No invoice found: on the "Omatchade betalningar" list.
        case unmatched
        /// Applied, with an excess waiting to be linked or refunded.
        case overpaid
        /// Refunded and taken off the list.
        case removed
    }

    var id: String
    var source: String
    var sourceID: String
    var amount: Int64
    var currency: String
    var paymentDate: String
    var reference: String?
    var message: String?
    var payerName: String?
    var payerBankgiro: String?
    var payerOrganisationNumber: String?
    var payerSwishNumber: String?
    var creditorID: String?
    var payeeBankgiro: String?
    var status: Status
    var unapplied: Int64
    var note: String?
    var registeredAt: Double

    var currencyValue: Currency { Currency(code: currency) ?? .sek }
    func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currencyValue) }
}

/// Part of a payment applied to an invoice.
struct AllocationRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "allocation"
    var id: Int64?
    var paymentID: String
    var invoiceID: String
    var amount: Int64
    var matchedBy: PaymentMatchMethod
    var at: Double
}

/// An issued credit invoice a payer may reference with a negative amount (BgMax TK23, TK21).
struct CreditInvoiceRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "credit_invoice"
    var invoiceID: String
    var creditorID: String
    var invoiceNumber: String
    var ocr: String
    var currency: String
    /// The credit it gives, positive.
    var amount: Int64
    var debtorKey: String
    var debtorName: String
    /// The invoice it credited when it was attested (invoicing used it up on that invoice); `nil` for a standalone
    /// credit invoice, which is used by applying it (invoicing's apply-credit).
    var originalInvoiceID: String?
}

/// A use of a credit invoice on a debit invoice.
struct CreditUseRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "credit_use"

    enum State: String, Codable, Sendable {
        /// Payment-matching asked invoicing to apply it (apply-credit) for a payment that referenced the credit.
        case requested
        /// Invoicing applied it (credit-applied).
        case applied
    }

    var id: Int64?
    var creditInvoiceID: String
    var debitInvoiceID: String
    var amount: Int64
    /// The payment whose reference used it; `nil` when an operator applied the credit in invoicing.
    var paymentID: String?
    var state: State
    var at: Double
}

/// One deposit of an imported BgMax file: `total == booked + unmatched + deductions`.
struct DepositReconciliationRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "deposit_reconciliation"
    var fileKey: String
    var payeeBankgiro: String
    var paymentDate: String
    var depositSerialNumber: String
    var total: Int64
    var booked: Int64
    var unmatched: Int64
    var deductions: Int64
    var creditsApplied: Int64
}
