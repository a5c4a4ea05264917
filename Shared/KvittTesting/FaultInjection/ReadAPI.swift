import Foundation

/// The services' read APIs as the fault-injection driver needs them, in ``BooksAudit``'s models; `nil` while a
/// service restarts, so that the driver asks again.
struct ReadAPI: Sendable {
    let processes: ServiceProcesses
    var creditor: String { FaultInjectionRun.creditorID }

    func invoices() async -> [BooksAudit.Invoice]? {
        try? await BooksAudit.invoices(port: processes.port("invoicing"), query: "creditor=\(creditor)")
    }

    func receivables() async -> [BooksAudit.Receivable]? {
        try? await BooksAudit.read(
            [BooksAudit.Receivable].self,
            port: processes.port("payment-matching"),
            path: "/v1/receivables?creditor=\(creditor)"
        )
    }

    func cases() async -> [BooksAudit.CollectionCase]? {
        let port = processes.port("debt-collection")
        guard
            let open = try? await BooksAudit.read(
                [BooksAudit.CollectionCase].self,
                port: port,
                path: "/v1/cases?status=open"
            ),
            let closed = try? await BooksAudit.read(
                [BooksAudit.CollectionCase].self,
                port: port,
                path: "/v1/cases?status=closed"
            )
        else { return nil }
        return open + closed
    }

    func payments() async -> [BooksAudit.Payment]? {
        try? await BooksAudit.read(
            [BooksAudit.Payment].self,
            port: processes.port("payment-matching"),
            path: "/v1/reports/payments?from=1900-01-01&to=2199-12-31"
        )
    }
}
