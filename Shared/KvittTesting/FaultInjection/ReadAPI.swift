import Foundation
import KvittContracts

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
        try? await BooksAudit.pages(
            BooksAudit.Receivable.self,
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

    /// A claim file as `GET /v1/claim-files` lists it.
    struct ClaimFile: Decodable, Sendable {
        var id: String
        var kind: String
        var year: Int
        var downloadPath: String
    }

    /// A draft invoice with its debtor and total, as invoicing's `GET /v1/invoices` shows it.
    struct Draft: Decodable, Sendable {
        var id: String
        var externalID: String
        var debtor: Debtor
        var totals: InvoiceTotals
    }

    /// Every claim tax-reduction holds (the service has one creditor in the run).
    func claims() async -> [BooksAudit.Claim]? {
        try? await BooksAudit.pages(BooksAudit.Claim.self, port: processes.port("tax-reduction"), path: "/v1/claims")
    }

    func claimFiles() async -> [ClaimFile]? {
        try? await BooksAudit.pages(ClaimFile.self, port: processes.port("tax-reduction"), path: "/v1/claim-files")
    }

    /// A claim file's XML, from the path the listing gives.
    func claimFileXML(_ path: String) async -> String? {
        guard let answer = await HTTPProbe.get(port: processes.port("tax-reduction"), path: path, timeout: 60),
            answer.status == 200
        else { return nil }
        return answer.body
    }

    /// The creditor's drafts, read page by page.
    func drafts() async -> [Draft]? {
        try? await BooksAudit.pages(
            Draft.self,
            port: processes.port("invoicing"),
            path: "/v1/invoices?creditor=\(creditor)&status=draft"
        )
    }

    /// One invoice with its history.
    func invoice(_ id: String) async -> BooksAudit.Invoice? {
        try? await BooksAudit.read(
            BooksAudit.Invoice.self,
            port: processes.port("invoicing"),
            path: "/v1/invoices/\(id)"
        )
    }
}
