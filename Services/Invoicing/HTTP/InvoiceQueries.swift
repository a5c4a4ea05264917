import Foundation
import GRDB
import KvittContracts

/// The read side: one invoice with its history, and filtered lists.
struct InvoiceQueries: Sendable {
    let writer: any DatabaseWriter

    /// Filters for ``list(_:today:)``; every one is optional.
    struct Filter: Sendable {
        /// The page sizes a request may ask for.
        static let limits = 1...5000
        /// The offsets a request may ask for: enough for any book of invoices, small enough for SQLite.
        static let offsets = 0...10_000_000

        var creditorID: String?
        var debtorIdentity: String?
        var status: InvoiceRecord.Status?
        var colour: StatusColour?
        /// Invoice date from/to (inclusive).
        var from: CalendarDate?
        var to: CalendarDate?
        /// Closed between (inclusive, Stockholm dates): "invoices closed in a period".
        var closedFrom: CalendarDate?
        var closedTo: CalendarDate?
        var limit: Int = 500
        /// Rows to skip, for reading a long list page by page (ordered by invoice date, then id).
        var offset: Int = 0
    }

    func invoice(_ id: String, today: CalendarDate) async throws -> InvoiceView? {
        try await writer.read { db in
            guard let record = try InvoiceRecord.find(id, db) else { return nil }
            let history = try InvoiceHistoryRecord.fetchAll(
                db,
                sql: "SELECT * FROM invoice_history WHERE invoiceID = ? ORDER BY id",
                arguments: [id]
            )
            return try InvoiceView(
                record,
                warningWindowDays: try Self.warningWindow(record.creditorID, db),
                today: today,
                history: history
            )
        }
    }

    func list(_ filter: Filter, today: CalendarDate) async throws -> [InvoiceView] {
        try await writer.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let creditor = filter.creditorID {
                clauses.append("creditorID = ?")
                _ = arguments.append(contentsOf: [creditor])
            }
            if let debtor = filter.debtorIdentity {
                clauses.append("debtorIdentity = ?")
                _ = arguments.append(contentsOf: [InvoiceStore.normalisedIdentity(debtor)])
            }
            if let status = filter.status {
                clauses.append("status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            if let from = filter.from {
                clauses.append("invoiceDate >= ?")
                _ = arguments.append(contentsOf: [from.description])
            }
            if let to = filter.to {
                clauses.append("invoiceDate <= ?")
                _ = arguments.append(contentsOf: [to.description])
            }
            if let closedFrom = filter.closedFrom {
                clauses.append("closedAt >= ?")
                _ = arguments.append(contentsOf: [Self.startOfDay(closedFrom)])
            }
            if let closedTo = filter.closedTo {
                clauses.append("closedAt < ?")
                _ = arguments.append(contentsOf: [Self.startOfDay(closedTo.adding(days: 1))])
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let limit = min(max(filter.limit, Filter.limits.lowerBound), Filter.limits.upperBound)
            let offset = min(max(filter.offset, Filter.offsets.lowerBound), Filter.offsets.upperBound)
            // The colour depends on today and the creditor's warning window, so it is filtered here, not in SQL; then
            // the page must be cut after filtering, or a page could come back short while matches lie further on.
            let page = filter.colour == nil ? " LIMIT \(limit) OFFSET \(offset)" : ""
            let records = try InvoiceRecord.fetchAll(
                db,
                sql: "SELECT * FROM invoice \(whereClause) ORDER BY invoiceDate, id\(page)",
                arguments: arguments
            )
            var windows: [String: Int] = [:]
            var views: [InvoiceView] = []
            for record in records {
                let window = try windows[record.creditorID] ?? Self.warningWindow(record.creditorID, db)
                windows[record.creditorID] = window
                let view = try InvoiceView(
                    record,
                    warningWindowDays: window,
                    today: today,
                    history: nil
                )
                if let colour = filter.colour, view.colour != colour { continue }
                views.append(view)
            }
            return filter.colour == nil ? views : Array(views.dropFirst(offset).prefix(limit))
        }
    }

    static func warningWindow(_ creditorID: String, _ db: Database) throws -> Int {
        try CreditorRecord.fetchOne(db, key: creditorID)?.registration.warningWindowDays ?? 3
    }

    /// Midnight in Stockholm of a date, as seconds since 1970 (midnight UTC if the calendar cannot say).
    static func startOfDay(_ date: CalendarDate) -> Double {
        let components = DateComponents(year: date.year, month: date.month, day: date.day)
        return CalendarDate.stockholm.date(from: components)?.timeIntervalSince1970 ?? Double(date.dayNumber) * 86_400
    }
}
