import Foundation
import GRDB
import KvittContracts

/// One issued invoice under watch: its money, its creditor's settings, and the ladder's history and next step.
struct CollectionCase: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "collection_case"

    var invoiceID: String
    var creditorID: String
    var invoiceNumber: String
    var debtorName: String
    var debtorIdentity: String?
    /// `consumer` or `business`.
    var debtorKind: String
    var issuedOn: String
    var dueDate: String
    var currency: String
    var amountDue: Int64
    var adjustments: Int64
    var paid: Int64
    var fees: Int64
    var interest: Int64
    var reminderFeeCharged: Bool
    /// JSON of `[CollectionEvent]`.
    var history: String
    var nextStep: String?
    var nextDate: String?
    /// `open` or `closed`.
    var status: String
    /// JSON of the active installment plan's installments, if any.
    var plan: String?
    /// What had been paid when the plan was agreed: installments count payments after that.
    var paidAtPlanStart: Int64

    var outstanding: Int64 { amountDue - adjustments - paid + fees + interest }
    var capitalOutstanding: Int64 { amountDue - adjustments - paid }
    var currencyValue: Currency { Currency(code: currency) ?? .sek }
    func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currencyValue) }

    var events: [CollectionEvent] {
        get throws { try MessageCoding.decode([CollectionEvent].self, from: Array(history.utf8)) }
    }

    mutating func append(_ event: CollectionEvent) throws {
        history = String(decoding: try MessageCoding.encode(try events + [event]), as: UTF8.self)
    }
}

/// A creditor's collection settings, from invoicing's creditor-registered.
struct CollectionCreditor: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "collection_creditor"
    var id: String
    var name: String
    var organisationNumber: String
    var reminderDaysAfterDue: Int?
    var collectionDaysAfterDue: Int?
    var reminderFeeAgreed: Bool
}

enum DebtCollectionSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("debt-collection-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE collection_creditor (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, organisationNumber TEXT NOT NULL,
                        reminderDaysAfterDue INTEGER, collectionDaysAfterDue INTEGER, reminderFeeAgreed INTEGER NOT NULL
                    );
                    CREATE TABLE collection_case (
                        invoiceID TEXT PRIMARY KEY NOT NULL, creditorID TEXT NOT NULL, invoiceNumber TEXT NOT NULL,
                        debtorName TEXT NOT NULL, debtorIdentity TEXT, debtorKind TEXT NOT NULL, issuedOn TEXT NOT NULL,
                        dueDate TEXT NOT NULL, currency TEXT NOT NULL, amountDue INTEGER NOT NULL,
                        adjustments INTEGER NOT NULL, paid INTEGER NOT NULL, fees INTEGER NOT NULL,
                        interest INTEGER NOT NULL, reminderFeeCharged INTEGER NOT NULL, history TEXT NOT NULL,
                        nextStep TEXT, nextDate TEXT, status TEXT NOT NULL, plan TEXT,
                        paidAtPlanStart INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX collection_case_due ON collection_case(status, nextDate);
                    """
            )
        }
    }
}
