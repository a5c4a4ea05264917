import Foundation

/// The services' read APIs as the fault-injection audit needs them, retried while a service restarts.
struct ReadAPI: Sendable {
    let processes: ServiceProcesses

    struct Invoice: Sendable {
        let id: String
        let externalID: String
        let status: String
        let ocr: String?
        let amountDue: Int64
        let credited: Int64
        let fees: Int64
        let paid: Int64
        let balance: Int64
    }

    struct Receivable: Sendable {
        let invoiceID: String
        let paid: Int64
        let balance: Int64
    }

    struct Case: Sendable {
        let invoiceID: String
        let paid: Int64
    }

    struct Payment: Sendable {
        let source: String
        let sourceID: String
        let status: String
        let amount: Int64
        let unapplied: Int64
        let reference: String?
        let message: String?
        let allocations: [Int64]
    }

    func invoices() async -> [Invoice]? {
        await pages("invoicing", "/v1/invoices?creditor=\(FaultInjectionRun.creditorID)")?.compactMap { object in
            guard let id = object["id"] as? String, let externalID = object["externalID"] as? String,
                let status = object["status"] as? String
            else { return nil }
            return Invoice(
                id: id,
                externalID: externalID,
                status: status,
                ocr: object["ocr"] as? String,
                amountDue: Self.minor(object["amountDue"]),
                credited: Self.minor(object["credited"]),
                fees: Self.minor(object["fees"]),
                paid: Self.minor(object["paid"]),
                balance: Self.minor(object["balance"])
            )
        }
    }

    func receivables() async -> [Receivable]? {
        await list("payment-matching", "/v1/receivables?creditor=\(FaultInjectionRun.creditorID)")?.compactMap {
            guard let id = $0["invoiceID"] as? String else { return nil }
            return Receivable(invoiceID: id, paid: Self.minor($0["paid"]), balance: Self.minor($0["balance"]))
        }
    }

    func cases() async -> [Case]? {
        guard let open = await list("debt-collection", "/v1/cases?status=open"),
            let closed = await list("debt-collection", "/v1/cases?status=closed")
        else { return nil }
        return (open + closed).compactMap {
            guard let id = $0["invoiceID"] as? String else { return nil }
            return Case(invoiceID: id, paid: Self.minor($0["paid"]))
        }
    }

    func payments() async -> [Payment]? {
        await list("payment-matching", "/v1/reports/payments?from=2000-01-01&to=2999-12-31")?.compactMap { object in
            guard let source = object["source"] as? String, let sourceID = object["sourceID"] as? String,
                let status = object["status"] as? String
            else { return nil }
            let allocations = (object["allocations"] as? [[String: Any]] ?? []).map { Self.minor($0["amount"]) }
            return Payment(
                source: source,
                sourceID: sourceID,
                status: status,
                amount: Self.minor(object["amount"]),
                unapplied: Self.minor(object["unapplied"]),
                reference: object["reference"] as? String,
                message: object["message"] as? String,
                allocations: allocations
            )
        }
    }

    /// Every page of a list that invoicing serves at most 5,000 rows at a time.
    private func pages(_ service: String, _ path: String) async -> [[String: Any]]? {
        var all: [[String: Any]] = []
        while true {
            guard let page = await list(service, "\(path)&limit=5000&offset=\(all.count)") else { return nil }
            all += page
            if page.count < 5000 { return all }
        }
    }

    /// A JSON array from a service, or `nil` while it does not answer.
    private func list(_ service: String, _ path: String) async -> [[String: Any]]? {
        guard let answer = await HTTPProbe.get(port: processes.port(service), path: path, timeout: 30),
            answer.status == 200
        else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [[String: Any]]
    }

    /// Minor units of a `{"amount": …, "currency": …}` object.
    static func minor(_ money: Any?) -> Int64 {
        ((money as? [String: Any])?["amount"] as? NSNumber)?.int64Value ?? 0
    }
}
