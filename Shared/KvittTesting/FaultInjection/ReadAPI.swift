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
        guard let open = try? await BooksAudit.cases(port: port, status: "open"),
            let closed = try? await BooksAudit.cases(port: port, status: "closed")
        else { return nil }
        return open + closed
    }

    /// ``BooksAudit``'s rules (the services' books against each other), over every case and invoice.
    func booksViolations() async -> [String] {
        await BooksAudit.violations(
            invoicingPort: processes.port("invoicing"),
            paymentMatchingPort: processes.port("payment-matching"),
            debtCollectionPort: processes.port("debt-collection"),
            creditorID: creditor
        )
    }

    func payments() async -> [BooksAudit.Payment]? {
        try? await BooksAudit.read(
            [BooksAudit.Payment].self,
            port: processes.port("payment-matching"),
            path: "/v1/reports/payments?from=1900-01-01&to=2199-12-31"
        )
    }
}
