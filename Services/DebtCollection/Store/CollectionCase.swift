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
    /// Whether the 450 kr förseningsersättning (lag 1981:739 4 a §) was charged on this case: it is charged once, and
    /// after it the 2–3 §§ fees are not (5 §: they are owed only beyond it, and together they never reach 450 kr).
    var latePaymentCompensationCharged: Bool
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
    /// Why the case's step could not be taken (a ``CaseHold/Reason`` raw value); `nil` when the case is not held.
    var heldReason: String?
    /// The error behind the hold, for the operator.
    var heldDetail: String?
    /// When the case was first held for this reason (business clock).
    var heldSince: Date?
    /// Failed attempts since ``heldSince``.
    var heldAttempts: Int
    /// The earliest pass that tries the case again; `nil` for the next one.
    var heldRetryAt: Date?

    /// What is still owed: capital less credits and payments, plus fees and interest.
    var outstanding: Int64 {
        get throws(DebtCollectionError) {
            let owed = try CheckedAmount.add(try capitalOutstanding, fees, "the outstanding amount")
            return try CheckedAmount.add(owed, interest, "the outstanding amount")
        }
    }

    /// The capital not yet paid: the amount due less credits and payments.
    var capitalOutstanding: Int64 {
        get throws(DebtCollectionError) {
            try CheckedAmount.subtract(try capital, paid, "the capital outstanding")
        }
    }

    /// The amount due less credits.
    var capital: Int64 {
        get throws(DebtCollectionError) {
            try CheckedAmount.subtract(amountDue, adjustments, "the capital")
        }
    }

    var currencyValue: Currency { Currency(code: currency) ?? .sek }
    func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currencyValue) }

    /// The invoice's due date.
    var due: CalendarDate {
        get throws(DebtCollectionError) { try Self.stored(dueDate, "dueDate") }
    }

    /// The invoice date, when the claim arose.
    var issued: CalendarDate {
        get throws(DebtCollectionError) { try Self.stored(issuedOn, "issuedOn") }
    }

    var events: [CollectionEvent] {
        get throws(DebtCollectionError) {
            do {
                return try MessageCoding.decode([CollectionEvent].self, from: Array(history.utf8))
            } catch {
                throw .unreadableCase("the history of invoice \(invoiceID) (\(error))")
            }
        }
    }

    mutating func append(_ event: CollectionEvent) throws {
        history = String(decoding: try MessageCoding.encode(try events + [event]), as: UTF8.self)
    }

    /// The hold, when the case is held.
    var hold: CaseHold.Stored? {
        guard let heldReason, let heldSince else { return nil }
        return CaseHold.Stored(
            reason: heldReason,
            detail: heldDetail ?? "",
            since: heldSince,
            attempts: heldAttempts,
            retryAt: heldRetryAt
        )
    }

    /// Ends the hold: the case's step was taken, or the case closed.
    mutating func releaseHold() {
        heldReason = nil
        heldDetail = nil
        heldSince = nil
        heldAttempts = 0
        heldRetryAt = nil
    }

    private static func stored(_ text: String, _ field: String) throws(DebtCollectionError) -> CalendarDate {
        guard let date = CalendarDate(text) else { throw .unreadableCase("\(field) '\(text)' is not a date") }
        return date
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

extension CollectionCase {
    /// The case an issued debit invoice opens: nothing paid, charged, scheduled or held yet.
    init(opening event: InvoiceIssued) {
        self.init(
            invoiceID: event.invoiceID,
            creditorID: event.creditorID,
            invoiceNumber: event.invoiceNumber,
            debtorName: event.debtor.name,
            debtorIdentity: event.debtor.identityNumber,
            debtorKind: event.debtor.kind == "company" ? "business" : "consumer",
            issuedOn: event.invoiceDate.description,
            dueDate: event.dueDate.description,
            currency: event.amountDue.currency.code,
            amountDue: event.amountDue.amount,
            adjustments: 0,
            paid: 0,
            fees: 0,
            interest: 0,
            reminderFeeCharged: false,
            latePaymentCompensationCharged: false,
            history: "[]",
            nextStep: nil,
            nextDate: nil,
            status: "open",
            plan: nil,
            paidAtPlanStart: 0,
            heldReason: nil,
            heldDetail: nil,
            heldSince: nil,
            heldAttempts: 0,
            heldRetryAt: nil
        )
    }
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
        // Held cases: a case whose step cannot be taken waits with its reason instead of failing the whole pass.
        migrator.registerMigration("debt-collection-2-held-cases") { db in
            try db.execute(
                sql: """
                    ALTER TABLE collection_case ADD COLUMN heldReason TEXT;
                    ALTER TABLE collection_case ADD COLUMN heldDetail TEXT;
                    ALTER TABLE collection_case ADD COLUMN heldSince TEXT;
                    ALTER TABLE collection_case ADD COLUMN heldAttempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE collection_case ADD COLUMN heldRetryAt TEXT;
                    CREATE INDEX collection_case_held ON collection_case(heldReason) WHERE heldReason IS NOT NULL;
                    """
            )
        }
        // Förseningsersättning for business debtors; a missing reference rate is held under its new code.
        migrator.registerMigration("debt-collection-3-late-payment-compensation") { db in
            try db.execute(
                sql: """
                    ALTER TABLE collection_case ADD COLUMN latePaymentCompensationCharged INTEGER NOT NULL DEFAULT 0;
                    UPDATE collection_case SET heldReason = 'reference-rate-missing'
                        WHERE heldReason = 'no-reference-rate';
                    """
            )
        }
        // The letters the steps made, by the id of their event: delivery's reports on them go to the case's history.
        migrator.registerMigration("debt-collection-4-letters") { db in
            try db.execute(
                sql: """
                    CREATE TABLE collection_letter (
                        messageID TEXT PRIMARY KEY NOT NULL, invoiceID TEXT NOT NULL, kind TEXT NOT NULL,
                        sentOn TEXT NOT NULL
                    );
                    """
            )
        }
    }
}
