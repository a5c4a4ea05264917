import Foundation
import GRDB
import KvittContracts

/// The read side: one invoice with its history, and filtered lists.
struct InvoiceQueries: Sendable {
    let writer: any DatabaseWriter

    /// Filters for ``list(_:today:)``; every one is optional.
    struct Filter: Sendable {
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
        /// The page, in invoice-date order, then id.
        var page = PageRequest()
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

    func list(_ filter: Filter, today: CalendarDate) async throws -> ListPage<InvoiceView> {
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
            var windows: [String: Int] = [:]
            var colourFunction: DatabaseFunction?
            defer { colourFunction.map(db.remove(function:)) }
            if let colour = filter.colour {
                // The colour depends on today and each creditor's warning window; filtering it in SQL keeps the
                // page cut by the database, so a page is never short while matches lie further on.
                windows = try Self.warningWindows(creditorID: filter.creditorID, db)
                let function = Self.colourFunction(today: today, windows: windows)
                db.add(function: function)
                colourFunction = function
                clauses.append("\(Self.colourFunctionName)(status, \(Self.balanceSQL), dueDate, creditorID) = ?")
                _ = arguments.append(contentsOf: [colour.rawValue])
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let records = try InvoiceRecord.fetchAll(
                db,
                sql: "SELECT * FROM invoice \(whereClause) ORDER BY invoiceDate, id \(filter.page.sqlClause)",
                arguments: arguments
            )
            return try ListPage(reading: records, for: filter.page).map { record in
                let window = try windows[record.creditorID] ?? Self.warningWindow(record.creditorID, db)
                windows[record.creditorID] = window
                return try InvoiceView(record, warningWindowDays: window, today: today, history: nil)
            }
        }
    }

    /// The name of the SQL function that gives an invoice's colour (registered only on a connection that asks).
    static let colourFunctionName = "kvitt_invoice_colour"
    /// The balance as SQL, the same sum as ``InvoiceRecord/balance``.
    static let balanceSQL = "amountDue - credited - creditApplied - paid + fees"
    /// The warning window when a creditor has none on record (as ``warningWindow(_:_:)``).
    static let defaultWarningWindowDays = 3

    /// `kvitt_invoice_colour(status, balance, dueDate, creditorID)`: ``StatusColour/of(dueDate:balance:issued:today:warningWindowDays:)``
    /// in SQL, with the creditors' windows read once for the request.
    static func colourFunction(today: CalendarDate, windows: [String: Int]) -> DatabaseFunction {
        DatabaseFunction(colourFunctionName, argumentCount: 4, pure: true) { values in
            guard let status = String.fromDatabaseValue(values[0]),
                let balance = Int64.fromDatabaseValue(values[1]),
                let dueText = String.fromDatabaseValue(values[2]),
                let dueDate = try? CalendarDate(parsing: dueText),
                let creditorID = String.fromDatabaseValue(values[3])
            else { return nil }
            return StatusColour.of(
                dueDate: dueDate,
                balance: balance,
                issued: status != InvoiceRecord.Status.draft.rawValue,
                today: today,
                warningWindowDays: windows[creditorID] ?? defaultWarningWindowDays
            ).rawValue
        }
    }

    /// The warning windows of one creditor, or of all when `creditorID` is nil.
    static func warningWindows(creditorID: String?, _ db: Database) throws -> [String: Int] {
        let creditors =
            try creditorID.map { try CreditorRecord.fetchAll(db, keys: [$0]) } ?? CreditorRecord.fetchAll(db)
        var windows: [String: Int] = [:]
        for creditor in creditors {
            windows[creditor.id] = try creditor.registration.warningWindowDays ?? defaultWarningWindowDays
        }
        return windows
    }

    static func warningWindow(_ creditorID: String, _ db: Database) throws -> Int {
        try CreditorRecord.fetchOne(db, key: creditorID)?.registration.warningWindowDays ?? defaultWarningWindowDays
    }

    /// Midnight in Stockholm of a date, as seconds since 1970 (midnight UTC if the calendar cannot say).
    static func startOfDay(_ date: CalendarDate) -> Double {
        let components = DateComponents(year: date.year, month: date.month, day: date.day)
        return CalendarDate.stockholm.date(from: components)?.timeIntervalSince1970 ?? Double(date.dayNumber) * 86_400
    }
}
