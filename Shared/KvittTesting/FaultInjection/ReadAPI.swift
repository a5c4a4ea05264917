import Foundation

/// The services' read APIs as the fault-injection driver needs them, in ``BooksAudit``'s models; `nil` while a
/// service restarts, so that the driver asks again.
struct ReadAPI: Sendable {
    let processes: ServiceProcesses
    var creditor: String { FaultInjectionRun.creditorID }

    /// The creditor's invoices, all of them or those in one status (`draft`, `issued`, `closed`).
    func invoices(status: String? = nil) async -> [BooksAudit.Invoice]? {
        let query = "creditor=\(creditor)" + (status.map { "&status=\($0)" } ?? "")
        return try? await BooksAudit.invoices(port: processes.port("invoicing"), query: query)
    }

    func receivables() async -> [BooksAudit.Receivable]? {
        try? await BooksAudit.read(
            [BooksAudit.Receivable].self,
            port: processes.port("payment-matching"),
            path: "/v1/receivables?creditor=\(creditor)"
        )
    }

    /// Debt-collection's cases, open and closed, read page by page.
    func cases() async -> [BooksAudit.CollectionCase]? {
        let port = processes.port("debt-collection")
        guard let open = try? await Self.cases(port: port, status: "open"),
            let closed = try? await Self.cases(port: port, status: "closed")
        else { return nil }
        return open + closed
    }

    /// The most cases debt-collection lists in one answer (`limit` is capped there; the default is 500).
    static let caseListLimit = 5000

    /// Every case in one status, page by page: a run has more cases than one answer holds.
    static func cases(port: Int, status: String) async throws -> [BooksAudit.CollectionCase] {
        var all: [BooksAudit.CollectionCase] = []
        while true {
            let page = try await BooksAudit.read(
                [BooksAudit.CollectionCase].self,
                port: port,
                path: "/v1/cases?status=\(status)&limit=\(caseListLimit)&offset=\(all.count)"
            )
            all += page
            if page.count < caseListLimit { return all }
        }
    }

    /// ``BooksAudit``'s rules (the services' books against each other) over a snapshot read with every case, not
    /// only the first page that `BooksAudit.violations` reads.
    func booksViolations() async -> [String] {
        do {
            let creditor = BooksAudit.queryValue(creditor)
            let invoicing = processes.port("invoicing")
            let matching = processes.port("payment-matching")
            let collection = processes.port("debt-collection")
            let issued = try await BooksAudit.invoices(port: invoicing, query: "creditor=\(creditor)&status=issued")
            let closed = try await BooksAudit.invoices(port: invoicing, query: "creditor=\(creditor)&status=closed")
            let receivables = try await BooksAudit.read(
                [BooksAudit.Receivable].self,
                port: matching,
                path: "/v1/receivables?creditor=\(creditor)"
            )
            let payments = try await BooksAudit.read(
                [BooksAudit.Payment].self,
                port: matching,
                path: "/v1/reports/payments?from=1900-01-01&to=2199-12-31"
            )
            let unmatched = try await BooksAudit.read(
                [BooksAudit.Payment].self,
                port: matching,
                path: "/v1/payments/unmatched"
            )
            let overpaid = try await BooksAudit.read(
                [BooksAudit.Payment].self,
                port: matching,
                path: "/v1/payments/overpayments"
            )
            let cases =
                try await Self.cases(port: collection, status: "open")
                + Self.cases(port: collection, status: "closed")
            return BooksAudit.Snapshot(
                creditorID: self.creditor,
                invoices: issued + closed,
                receivables: receivables,
                payments: payments,
                unmatchedPaymentIDs: Set(unmatched.map(\.id)),
                overpaidPaymentIDs: Set(overpaid.map(\.id)),
                cases: cases.filter { $0.creditorID == self.creditor }
            )
            .violations()
        } catch {
            return ["could not read the books: \(error)"]
        }
    }

    func payments() async -> [BooksAudit.Payment]? {
        try? await BooksAudit.read(
            [BooksAudit.Payment].self,
            port: processes.port("payment-matching"),
            path: "/v1/reports/payments?from=1900-01-01&to=2199-12-31"
        )
    }
}
