import Foundation
import GRDB
import KvittContracts

/// The read side: open payments (unmatched, overpaid), receivable balances, and the payments report.
struct PaymentQueries: Sendable {
    let writer: any DatabaseWriter

    /// A payment as the read API shows it.
    struct PaymentView: Codable, Sendable, Equatable {
        var id: String
        var source: String
        var sourceID: String
        var amount: Money
        var unapplied: Money
        var paymentDate: CalendarDate
        var status: String
        var reference: String?
        var message: String?
        var payerName: String?
        var note: String?
        var allocations: [Allocation]

        struct Allocation: Codable, Sendable, Equatable {
            var invoiceID: String
            var amount: Money
            var matchedBy: String
        }
    }

    /// A receivable's balance.
    struct ReceivableView: Codable, Sendable, Equatable {
        var invoiceID: String
        var creditorID: String
        var invoiceNumber: String
        var ocr: String
        var amountDue: Money
        var adjustments: Money
        var paid: Money
        var balance: Money
        var dueDate: CalendarDate
    }

    func payments(status: [PaymentRecord.Status]) async throws -> [PaymentView] {
        try await writer.read { db in
            let placeholders = status.map { _ in "?" }.joined(separator: ",")
            let records = try PaymentRecord.fetchAll(
                db,
                sql: "SELECT * FROM payment WHERE status IN (\(placeholders)) ORDER BY paymentDate, registeredAt",
                arguments: StatementArguments(status.map(\.rawValue))
            )
            return try records.map { try Self.view($0, db) }
        }
    }

    /// Every payment dated within the interval (inclusive), for the payments report (Inbetalningar).
    func report(from: CalendarDate, to: CalendarDate) async throws -> [PaymentView] {
        try await writer.read { db in
            try PaymentRecord.fetchAll(
                db,
                sql: "SELECT * FROM payment WHERE paymentDate BETWEEN ? AND ? ORDER BY paymentDate, registeredAt",
                arguments: [from.description, to.description]
            ).map { try Self.view($0, db) }
        }
    }

    func receivable(_ invoiceID: String) async throws -> ReceivableView? {
        try await writer.read { db in try ReceivableRecord.fetchOne(db, key: invoiceID).map { try Self.view($0) } }
    }

    /// A creditor's receivables by invoice number; with `openOnly`, those with a balance left.
    func receivables(creditorID: String, openOnly: Bool) async throws -> [ReceivableView] {
        try await writer.read { db in
            try ReceivableRecord.fetchAll(
                db,
                sql: "\(ReceivableRecord.select) WHERE creditorID = ? ORDER BY invoiceNumber",
                arguments: [creditorID]
            )
            .filter { !openOnly || $0.balance != 0 }
            .map { try Self.view($0) }
        }
    }

    static func view(_ record: ReceivableRecord) throws -> ReceivableView {
        ReceivableView(
            invoiceID: record.invoiceID,
            creditorID: record.creditorID,
            invoiceNumber: record.invoiceNumber,
            ocr: record.ocr,
            amountDue: record.money(record.amountDue),
            adjustments: record.money(record.adjustments),
            paid: record.money(record.paid),
            balance: record.money(record.balance),
            dueDate: try storedDate(record.dueDate, "due date of receivable \(record.invoiceID)")
        )
    }

    /// A date the service stored; one it cannot read is an error of the read (500), not a trap.
    static func storedDate(_ text: String, _ what: String) throws -> CalendarDate {
        guard let date = CalendarDate(text) else { throw UnreadableStoredDate(what: what) }
        return date
    }

    struct UnreadableStoredDate: Error, CustomStringConvertible {
        let what: String
        var description: String { "the stored \(what) is not a date" }
    }

    static func view(_ record: PaymentRecord, _ db: Database) throws -> PaymentView {
        let allocations = try AllocationRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM allocation WHERE paymentID = ? ORDER BY id"),
            arguments: [record.id]
        )
        return PaymentView(
            id: record.id,
            source: record.source,
            sourceID: record.sourceID,
            amount: record.money(record.amount),
            unapplied: record.money(record.unapplied),
            paymentDate: try storedDate(record.paymentDate, "payment date of payment \(record.id)"),
            status: record.status.rawValue,
            reference: record.reference,
            message: record.message,
            payerName: record.payerName,
            note: record.note,
            allocations: allocations.map {
                .init(invoiceID: $0.invoiceID, amount: record.money($0.amount), matchedBy: $0.matchedBy)
            }
        )
    }
}
