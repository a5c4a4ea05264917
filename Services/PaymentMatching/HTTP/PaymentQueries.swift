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
        /// For an unmatched payment or an overpayment: invoices it could be for, and why each was not matched.
        var candidates: [Candidate]

        struct Allocation: Codable, Sendable, Equatable {
            var invoiceID: String
            var invoiceNumber: String
            var amount: Money
            var matchedBy: PaymentMatchMethod
        }

        struct Candidate: Codable, Sendable, Equatable {
            var invoiceID: String
            var invoiceNumber: String
            var debtorName: String
            var balance: Money
            var reason: String
        }
    }

    /// One deposit of an imported BgMax file and what became of its money.
    struct DepositView: Codable, Sendable, Equatable {
        var payeeBankgiro: String
        var paymentDate: CalendarDate
        var depositSerialNumber: String
        var total: Money
        var booked: Money
        var unmatched: Money
        var deductions: Money
        var creditsApplied: Money
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

    /// A page of the payments in one of `status`, oldest first.
    func payments(status: [PaymentRecord.Status], page: PageRequest) async throws -> ListPage<PaymentView> {
        try await writer.read { db in ListPage(reading: try Self.views(Self.having(status), page: page, db), for: page)
        }
    }

    /// Every payment dated within the interval (inclusive), for the payments report (Inbetalningar).
    func report(from: CalendarDate, to: CalendarDate) async throws -> [PaymentView] {
        try await writer.read { db in try Self.views(Self.dated(from: from, to: to), db) }
    }

    /// Which payments a read shows: a condition on the table `payment` and its arguments.
    struct PaymentSelection {
        var condition: String
        var arguments: StatementArguments
    }

    /// The payments in one of `status`.
    static func having(_ status: [PaymentRecord.Status]) -> PaymentSelection {
        let placeholders = status.map { _ in "?" }.joined(separator: ",")
        return PaymentSelection(
            condition: status.isEmpty ? "0" : "payment.status IN (\(placeholders))",
            arguments: StatementArguments(status.map(\.rawValue))
        )
    }

    /// The payments dated within the interval (inclusive).
    static func dated(from: CalendarDate, to: CalendarDate) -> PaymentSelection {
        PaymentSelection(
            condition: "payment.paymentDate BETWEEN ? AND ?",
            arguments: [from.description, to.description]
        )
    }

    /// One payment.
    static func payment(_ id: String) -> PaymentSelection {
        identified([id])
    }

    /// The payments with these ids (at most a page: well below SQLite's limit on arguments).
    static func identified(_ ids: [String]) -> PaymentSelection {
        PaymentSelection(
            condition: "payment.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments(ids)
        )
    }

    /// The selected payments, oldest first, each with its allocations and candidates: three statements however many
    /// payments there are (the payments, then every allocation and every candidate of them, joined to the same
    /// selection), where reading them payment by payment took two more per payment.
    /// With a `page`, only the rows of that page (and the one after it, see ``PageRequest/rowsToRead``).
    static func views(_ selection: PaymentSelection, page: PageRequest? = nil, _ db: Database) throws -> [PaymentView] {
        // The rowid last: payments registered in the same instant (one bank file) keep their order in every read.
        let records = try PaymentRecord.fetchAll(
            db,
            sql: """
                SELECT payment.* FROM payment WHERE \(selection.condition)
                ORDER BY paymentDate, registeredAt, payment.rowid \(page?.sqlClause ?? "")
                """,
            arguments: selection.arguments
        )
        guard !records.isEmpty else { return [] }
        // A page's allocations and candidates are those of its payments, not of every payment the selection holds.
        let selection = page == nil ? selection : identified(records.map(\.id))
        var allocations: [String: [Row]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT allocation.paymentID, allocation.invoiceID, allocation.amount, allocation.matchedBy,
                    receivable.invoiceNumber
                FROM allocation
                JOIN payment ON payment.id = allocation.paymentID
                JOIN receivable ON receivable.invoiceID = allocation.invoiceID
                WHERE \(selection.condition) ORDER BY allocation.id
                """,
            arguments: selection.arguments
        ) {
            allocations[row["paymentID"], default: []].append(row)
        }
        // Candidates are shown for the payments still to be placed, as before.
        let open = [PaymentRecord.Status.unmatched, .overpaid].map { "'\($0.rawValue)'" }.joined(separator: ", ")
        var candidates: [String: [Row]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT payment_candidate.paymentID, payment_candidate.invoiceID, payment_candidate.reason,
                    receivable.invoiceNumber, receivable.debtorName, receivable.currency,
                    \(ReceivableRecord.balanceExpression) AS balance
                FROM payment_candidate
                JOIN payment ON payment.id = payment_candidate.paymentID
                JOIN receivable ON receivable.invoiceID = payment_candidate.invoiceID
                WHERE (\(selection.condition)) AND payment.status IN (\(open))
                ORDER BY receivable.invoiceNumber, payment_candidate.invoiceID
                """,
            arguments: selection.arguments
        ) {
            candidates[row["paymentID"], default: []].append(row)
        }
        return try records.map {
            try view($0, allocations: allocations[$0.id] ?? [], candidates: candidates[$0.id] ?? [])
        }
    }

    /// The BgMax deposits paid within the interval (inclusive), each reconciled.
    func deposits(from: CalendarDate, to: CalendarDate) async throws -> [DepositView] {
        try await writer.read { db in
            try DepositReconciliationRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM deposit_reconciliation WHERE paymentDate BETWEEN ? AND ?
                    ORDER BY paymentDate, payeeBankgiro, depositSerialNumber
                    """,
                arguments: [from.description, to.description]
            ).map { record in
                let sek = { (amount: Int64) in Money(minorUnits: amount, .sek) }
                return DepositView(
                    payeeBankgiro: record.payeeBankgiro,
                    paymentDate: try Self.storedDate(record.paymentDate, "payment date of a deposit"),
                    depositSerialNumber: record.depositSerialNumber,
                    total: sek(record.total),
                    booked: sek(record.booked),
                    unmatched: sek(record.unmatched),
                    deductions: sek(record.deductions),
                    creditsApplied: sek(record.creditsApplied)
                )
            }
        }
    }

    func receivable(_ invoiceID: String) async throws -> ReceivableView? {
        try await writer.read { db in try ReceivableRecord.fetchOne(db, key: invoiceID).map { try Self.view($0) } }
    }

    /// A page of a creditor's receivables by invoice number; with `openOnly`, those with a balance left.
    func receivables(creditorID: String, openOnly: Bool, page: PageRequest) async throws -> ListPage<ReceivableView> {
        // The balance as ReceivableRecord.balance computes it, so that an open-only page is cut by the database.
        let open =
            openOnly
            ? "AND \(ReceivableRecord.balanceExpression) != 0" : ""
        return try await writer.read { db in
            let records = try ReceivableRecord.fetchAll(
                db,
                sql: """
                    \(ReceivableRecord.select) WHERE creditorID = ? \(open)
                    ORDER BY invoiceNumber, invoiceID \(page.sqlClause)
                    """,
                arguments: [creditorID]
            )
            return try ListPage(reading: records, for: page).map { try Self.view($0) }
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

    struct UnreadableStoredValue: Error, CustomStringConvertible {
        let what: String
        var description: String { "the stored \(what) is not one Kvitt knows" }
    }

    struct UnreadableStoredDate: Error, CustomStringConvertible {
        let what: String
        var description: String { "the stored \(what) is not a date" }
    }

    /// One payment as the read API shows it, from its allocation and candidate rows (``views(_:_:)``).
    static func view(_ record: PaymentRecord, allocations: [Row], candidates: [Row]) throws -> PaymentView {
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
            allocations: try allocations.map { row in
                let method: String = row["matchedBy"]
                guard let matchedBy = PaymentMatchMethod(rawValue: method) else {
                    throw UnreadableStoredValue(what: "match method '\(method)' of payment \(record.id)")
                }
                return .init(
                    invoiceID: row["invoiceID"],
                    invoiceNumber: row["invoiceNumber"],
                    amount: record.money(row["amount"]),
                    matchedBy: matchedBy
                )
            },
            candidates: candidates.map { row in
                let currency = Currency(code: row["currency"]) ?? record.currencyValue
                return .init(
                    invoiceID: row["invoiceID"],
                    invoiceNumber: row["invoiceNumber"],
                    debtorName: row["debtorName"],
                    balance: Money(minorUnits: row["balance"], currency),
                    reason: row["reason"]
                )
            }
        )
    }
}
