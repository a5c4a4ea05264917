import Foundation
import KvittContracts

/// Checks that the books of invoicing, payment-matching and debt-collection agree, from their read APIs alone.
///
/// Each service keeps its own copy of what a debtor owes, kept current by the others' events; the audit says where
/// the copies disagree. For one creditor:
/// - invoicing: every issued or closed invoice's balance is its amount due − credited − credit applied − paid + fees,
///   and a closed invoice owes nothing;
/// - payment-matching: every debit invoice has a receivable with invoicing's balance and paid amount, and the
///   payments' allocations to the invoice add up to that paid amount;
/// - debt-collection: every debit invoice has a case whose fees and interest, payments and outstanding amount are
///   invoicing's fees, paid amount and balance;
/// - payments (all of payment-matching's, whichever creditor): each is in exactly one of matched, unmatched, overpaid
///   or removed, its amount is accounted for by that state, it is on the unmatched or overpayments list exactly when
///   its state says so, and no source id was registered twice.
///
/// Only list endpoints are read (invoicing's invoices and debt-collection's cases page by page, 5 000 at a time, to
/// the last page), so a benchmark can audit thousands of invoices.
///
/// The services are eventually consistent, so a snapshot taken while events are in flight can disagree for a moment:
/// ``balanced(invoicingPort:paymentMatchingPort:debtCollectionPort:creditorID:timeout:)`` reads again until the books
/// agree or the time is up; ``violations(invoicingPort:paymentMatchingPort:debtCollectionPort:creditorID:)`` reads
/// once.
public enum BooksAudit {
    /// The most invoices invoicing lists in one answer (`limit` is capped there).
    public static let invoiceListLimit = PageRequest.limits.upperBound
    /// The most cases debt-collection lists in one answer (`limit` is capped there; without it, 500).
    public static let caseListLimit = PageRequest.limits.upperBound

    /// What is wrong with one creditor's books now; empty when they balance.
    public static func violations(
        invoicingPort: Int,
        paymentMatchingPort: Int,
        debtCollectionPort: Int,
        creditorID: String
    ) async -> [String] {
        do {
            let snapshot = try await Snapshot.read(
                invoicingPort: invoicingPort,
                paymentMatchingPort: paymentMatchingPort,
                debtCollectionPort: debtCollectionPort,
                creditorID: creditorID
            )
            return snapshot.violations()
        } catch {
            return ["could not read the books: \(error)"]
        }
    }

    /// Reads the books until they balance or `timeout` passes; returns what is still wrong (empty when they balance).
    ///
    /// Use it once the last command's effects should have landed: events still in flight between the services show
    /// up as disagreements that go away by themselves.
    public static func balanced(
        invoicingPort: Int,
        paymentMatchingPort: Int,
        debtCollectionPort: Int,
        creditorID: String,
        timeout: Duration = .seconds(15)
    ) async -> [String] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = await violations(
                invoicingPort: invoicingPort,
                paymentMatchingPort: paymentMatchingPort,
                debtCollectionPort: debtCollectionPort,
                creditorID: creditorID
            )
            if found.isEmpty || ContinuousClock.now >= deadline { return found }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    // MARK: - What the read APIs show

    /// An invoice as invoicing's `GET /v1/invoices` and `GET /v1/invoices/{id}` show it.
    public struct Invoice: Decodable, Sendable {
        public var id: String
        public var creditorID: String
        public var externalID: String
        /// `debit` or `credit`.
        public var kind: String
        /// `draft`, `issued` or `closed`.
        public var status: String
        /// `red`, `yellow`, `green`, `closed` or `draft`.
        public var colour: String
        public var number: String?
        public var ocr: String?
        public var invoiceDate: CalendarDate
        public var dueDate: CalendarDate
        public var amountDue: Money
        public var credited: Money
        public var creditApplied: Money
        /// Fees and interest debt-collection added.
        public var fees: Money
        public var paid: Money
        public var balance: Money
        public var originalInvoiceID: String?
        public var taxReduction: Reduction?
        /// Only on `GET /v1/invoices/{id}`.
        public var history: [HistoryEntry]?

        /// The ROT/RUT part of an invoice.
        public struct Reduction: Decodable, Sendable {
            /// `pending`, `allocated` or `rejected`.
            public var state: String
            public var amount: Money
            /// Cap warnings of an allocation, or the reasons of a rejection.
            public var detail: String?
        }

        /// How the audit names the invoice.
        var label: String { "invoice \(number ?? "(no number)") [\(id)]" }
    }

    /// A receivable as payment-matching's `GET /v1/receivables?creditor=` and `GET /v1/receivables/{id}` show it.
    public struct Receivable: Decodable, Sendable {
        public var invoiceID: String
        public var creditorID: String
        public var invoiceNumber: String
        public var ocr: String
        public var amountDue: Money
        /// Credits and applied credits (positive) less fees (negative).
        public var adjustments: Money
        public var paid: Money
        public var balance: Money
        public var dueDate: CalendarDate
    }

    /// A payment as payment-matching's payment lists and payments report show it.
    public struct Payment: Decodable, Sendable {
        public var id: String
        public var source: String
        public var sourceID: String
        public var amount: Money
        /// What of it is applied to no invoice (unmatched or overpaid).
        public var unapplied: Money
        public var paymentDate: CalendarDate
        /// `matched`, `unmatched`, `overpaid` or `removed`.
        public var status: String
        public var reference: String?
        public var message: String?
        public var payerName: String?
        public var note: String?
        public var allocations: [Allocation]

        /// Part of a payment applied to an invoice.
        public struct Allocation: Decodable, Sendable {
            public var invoiceID: String
            public var amount: Money
            public var matchedBy: String
        }
    }

    /// A collection case as debt-collection's `GET /v1/cases` and `GET /v1/cases/{invoiceID}` show it.
    public struct CollectionCase: Decodable, Sendable {
        public var invoiceID: String
        public var invoiceNumber: String
        public var creditorID: String
        public var dueDate: String
        /// `open` or `closed`.
        public var status: String
        public var capital: Money
        public var fees: Money
        public var interest: Money
        public var paid: Money
        public var outstanding: Money
        /// The next automatic step (`reminder`, `collectionLetter`, `creditorDecisionRequested`,
        /// `enforcementApplicationPrepared`, `surveillanceLetter`), `nil` while the case waits.
        public var nextStep: String?
        public var nextDate: String?
        public var history: [HistoryEntry]
    }

    /// One buyer's ROT/RUT claim as tax-reduction's `GET /v1/claims` shows it (the buyer masked).
    public struct Claim: Decodable, Sendable {
        public var id: String
        public var invoiceID: String
        public var invoiceNumber: String?
        /// `rot` or `rut`.
        public var kind: String
        /// `YYYYMMDD-****`.
        public var buyer: String
        public var year: Int
        public var requested: Money
        public var hours: Int
        /// `allocated`, `requestable`, `claimed`, `decided` or `withdrawn`.
        public var status: String
        public var paymentDate: String?
        public var fileID: String?
        public var approved: Money?
        public var capWarning: String?
        public var repaymentDue: Money?
        /// What invoicing was asked to bill the buyer after Skatteverket's decision.
        public var billedToBuyer: Money?
    }

    /// A read API that did not give what the audit needs.
    public struct ReadError: Error, CustomStringConvertible {
        /// `GET`, or `POST` for a question in a body.
        public let method: String
        public let port: Int
        public let path: String
        public let problem: String
        public var description: String { "\(method) 127.0.0.1:\(port)\(path): \(problem)" }
    }

    /// A collection case's history as `date: detail` lines, read from debt-collection's `GET /v1/cases/{invoiceID}`;
    /// empty while the case cannot be read.
    public static func caseHistory(port: Int, invoiceID: String) async -> [String] {
        let path = "/v1/cases/\(invoiceID)"
        guard let view = try? await read(CollectionCase.self, port: port, path: path, timeout: 15) else { return [] }
        return view.history.map { "\($0.date): \($0.detail)" }
    }

    /// Every invoice a `GET /v1/invoices?<query>` selects, read page by page (invoicing serves at most
    /// ``invoiceListLimit`` at a time).
    public static func invoices(port: Int, query: String) async throws -> [Invoice] {
        try await pages(Invoice.self, port: port, path: "/v1/invoices?\(query)", pageSize: invoiceListLimit)
    }

    /// Every case in one status (`open`, `closed`, `held`) that debt-collection's `GET /v1/cases` lists, read page by
    /// page to the last: one answer holds at most ``caseListLimit`` cases.
    /// - Parameter pageSize: cases asked for per answer (tests use a small page to read several).
    public static func cases(
        port: Int,
        status: String,
        pageSize: Int = caseListLimit
    ) async throws -> [CollectionCase] {
        try await pages(
            CollectionCase.self,
            port: port,
            path: "/v1/cases?status=\(queryValue(status))",
            pageSize: pageSize
        )
    }

    /// Every item a list endpoint selects (`path`, with or without a query), read `pageSize` at a time with `limit`
    /// and `offset`, following each page's `nextOffset` to the last page.
    public static func pages<Item: Decodable>(
        _ type: Item.Type,
        port: Int,
        path: String,
        pageSize: Int = PageRequest.limits.upperBound
    ) async throws -> [Item] {
        var all: [Item] = []
        var offset = 0
        let separator = path.contains("?") ? "&" : "?"
        while true {
            let pagePath = "\(path)\(separator)limit=\(pageSize)&offset=\(offset)"
            let page = try await read(ListPage<Item>.self, port: port, path: pagePath)
            // An endpoint that ignored the limit or the offset, or pointed back, would be read again and again.
            guard page.items.count <= pageSize, page.offset == offset, (page.nextOffset ?? .max) > offset else {
                throw ReadError(
                    method: "GET",
                    port: port,
                    path: pagePath,
                    problem:
                        "a page of \(page.items.count) items at \(page.offset), next \(String(describing: page.nextOffset))"
                )
            }
            all += page.items
            guard let next = page.nextOffset else { return all }
            offset = next
        }
    }

    /// GETs a read-API path on 127.0.0.1 with ``HTTPProbe`` and decodes its JSON.
    ///
    /// The timeout is generous by default: a list of thousands of invoices on a machine busy with a benchmark takes
    /// longer than a health check.
    public static func read<Value: Decodable>(
        _ type: Value.Type,
        port: Int,
        path: String,
        timeout: TimeInterval = 60
    ) async throws -> Value {
        let answer = await HTTPProbe.get(port: port, path: path, timeout: timeout)
        return try decode(Value.self, answer, method: "GET", port: port, path: path)
    }

    /// POSTs a JSON question to a read-API path on 127.0.0.1 with ``HTTPProbe`` and decodes the JSON answer (a question
    /// that names a personnummer travels in a body, never in a path).
    public static func read<Value: Decodable>(
        _ type: Value.Type,
        port: Int,
        path: String,
        json: String,
        timeout: TimeInterval = 60
    ) async throws -> Value {
        let answer = await HTTPProbe.post(port: port, path: path, json: json, timeout: timeout)
        return try decode(Value.self, answer, method: "POST", port: port, path: path)
    }

    /// A 200 answer's JSON body as `Value`; anything else throws a ``ReadError`` that says what went wrong.
    private static func decode<Value: Decodable>(
        _ type: Value.Type,
        _ answer: (status: Int, body: String)?,
        method: String,
        port: Int,
        path: String
    ) throws -> Value {
        func failure(_ problem: String) -> ReadError {
            ReadError(method: method, port: port, path: path, problem: problem)
        }
        guard let answer else { throw failure("no answer") }
        guard answer.status == 200 else { throw failure("HTTP \(answer.status): \(answer.body.prefix(200))") }
        do {
            return try MessageCoding.makeDecoder().decode(Value.self, from: Data(answer.body.utf8))
        } catch {
            throw failure("unexpected JSON (\(error))")
        }
    }

    // MARK: - The snapshot and its checks

    /// One reading of the three services' books for a creditor.
    public struct Snapshot: Sendable {
        public var creditorID: String
        /// The creditor's issued and closed invoices (drafts owe nothing yet).
        public var invoices: [Invoice]
        /// The creditor's receivables.
        public var receivables: [Receivable]
        /// Every payment payment-matching knows, whichever creditor it paid.
        public var payments: [Payment]
        public var unmatchedPaymentIDs: Set<String>
        public var overpaidPaymentIDs: Set<String>
        /// The creditor's collection cases, open and closed.
        public var cases: [CollectionCase]

        /// Reads the three services' list endpoints, side by side.
        public static func read(
            invoicingPort: Int,
            paymentMatchingPort: Int,
            debtCollectionPort: Int,
            creditorID: String
        ) async throws -> Snapshot {
            let creditor = BooksAudit.queryValue(creditorID)
            async let issued = BooksAudit.invoices(port: invoicingPort, query: "creditor=\(creditor)&status=issued")
            async let closed = BooksAudit.invoices(port: invoicingPort, query: "creditor=\(creditor)&status=closed")
            async let receivables = BooksAudit.pages(
                Receivable.self,
                port: paymentMatchingPort,
                path: "/v1/receivables?creditor=\(creditor)"
            )
            // Every payment date the read API can hold: the report is the one list with all four states.
            async let payments = BooksAudit.read(
                [Payment].self,
                port: paymentMatchingPort,
                path: "/v1/reports/payments?from=1900-01-01&to=2199-12-31"
            )
            async let unmatched = BooksAudit.pages(
                Payment.self,
                port: paymentMatchingPort,
                path: "/v1/payments/unmatched"
            )
            async let overpaid = BooksAudit.pages(
                Payment.self,
                port: paymentMatchingPort,
                path: "/v1/payments/overpayments"
            )
            async let openCases = BooksAudit.cases(port: debtCollectionPort, status: "open")
            async let closedCases = BooksAudit.cases(port: debtCollectionPort, status: "closed")
            let issuedInvoices = try await issued
            let closedInvoices = try await closed
            let creditorReceivables = try await receivables
            let allPayments = try await payments
            let unmatchedIDs = try await unmatched.map(\.id)
            let overpaidIDs = try await overpaid.map(\.id)
            let allCases = try await openCases + closedCases
            return Snapshot(
                creditorID: creditorID,
                invoices: issuedInvoices + closedInvoices,
                receivables: creditorReceivables,
                payments: allPayments,
                unmatchedPaymentIDs: Set(unmatchedIDs),
                overpaidPaymentIDs: Set(overpaidIDs),
                cases: allCases.filter { $0.creditorID == creditorID }
            )
        }

        /// Everything that does not add up, one sentence each, invoices in number order.
        public func violations() -> [String] {
            var found: [String] = []
            let ordered = invoices.sorted { ($0.number ?? "", $0.id) < ($1.number ?? "", $1.id) }
            let receivableByInvoice = Dictionary(
                receivables.map { ($0.invoiceID, $0) },
                uniquingKeysWith: { first, _ in first }
            )
            let caseByInvoice = Dictionary(cases.map { ($0.invoiceID, $0) }, uniquingKeysWith: { first, _ in first })
            var allocated: [String: Int64] = [:]
            for payment in payments {
                for allocation in payment.allocations {
                    allocated[allocation.invoiceID, default: 0] += allocation.amount.amount
                }
            }
            for invoice in ordered {
                found += Self.invoicingViolations(invoice)
                guard invoice.kind == "debit" else { continue }
                found += Self.paymentMatchingViolations(
                    invoice,
                    receivable: receivableByInvoice[invoice.id],
                    allocated: allocated[invoice.id] ?? 0
                )
                found += Self.debtCollectionViolations(invoice, collectionCase: caseByInvoice[invoice.id])
            }
            let known = Set(ordered.map(\.id))
            for receivable in receivableByInvoice.values.sorted(by: { $0.invoiceNumber < $1.invoiceNumber })
            where !known.contains(receivable.invoiceID) {
                found.append(
                    "payment-matching has a receivable for invoice \(receivable.invoiceNumber) "
                        + "[\(receivable.invoiceID)] that invoicing does not show as issued"
                )
            }
            for collectionCase in caseByInvoice.values.sorted(by: { $0.invoiceNumber < $1.invoiceNumber })
            where !known.contains(collectionCase.invoiceID) {
                found.append(
                    "debt-collection has a case for invoice \(collectionCase.invoiceNumber) "
                        + "[\(collectionCase.invoiceID)] that invoicing does not show as issued"
                )
            }
            found += paymentViolations()
            return found
        }

        /// The invoice's balance follows from its parts; a closed invoice owes nothing.
        static func invoicingViolations(_ invoice: Invoice) -> [String] {
            var found: [String] = []
            let parts = [invoice.amountDue, invoice.credited, invoice.creditApplied, invoice.fees, invoice.paid]
            guard parts.allSatisfy({ $0.currency == invoice.balance.currency }) else {
                return ["\(invoice.label): invoicing's amounts are in more than one currency"]
            }
            let expected =
                invoice.amountDue.amount - invoice.credited.amount - invoice.creditApplied.amount
                - invoice.paid.amount + invoice.fees.amount
            if invoice.balance.amount != expected {
                found.append(
                    "\(invoice.label): invoicing's balance \(invoice.balance) is not amount due \(invoice.amountDue) "
                        + "− credited \(invoice.credited) − credit applied \(invoice.creditApplied) − paid "
                        + "\(invoice.paid) + fees \(invoice.fees) = "
                        + "\(Money(minorUnits: expected, invoice.balance.currency))"
                )
            }
            if invoice.status == "closed" && !invoice.balance.isZero {
                found.append("\(invoice.label): closed in invoicing with a balance of \(invoice.balance)")
            }
            return found
        }

        /// Payment-matching expects what invoicing says is owed, and its payments add up to what was paid.
        static func paymentMatchingViolations(
            _ invoice: Invoice,
            receivable: Receivable?,
            allocated: Int64
        ) -> [String] {
            guard let receivable else {
                return ["\(invoice.label): issued, but payment-matching has no receivable for it"]
            }
            var found: [String] = []
            if receivable.balance != invoice.balance {
                found.append(
                    "\(invoice.label): payment-matching's balance \(receivable.balance) differs from invoicing's "
                        + "\(invoice.balance) (receivable: due \(receivable.amountDue), adjustments "
                        + "\(receivable.adjustments), paid \(receivable.paid))"
                )
            }
            if receivable.paid != invoice.paid {
                found.append(
                    "\(invoice.label): payment-matching has \(receivable.paid) paid, invoicing \(invoice.paid)"
                )
            }
            if allocated != invoice.paid.amount {
                found.append(
                    "\(invoice.label): the payments allocated to it add up to "
                        + "\(Money(minorUnits: allocated, invoice.paid.currency)), invoicing has \(invoice.paid) paid"
                )
            }
            return found
        }

        /// Debt-collection's case owes what invoicing says: the same fees and interest, payments and outstanding.
        static func debtCollectionViolations(_ invoice: Invoice, collectionCase: CollectionCase?) -> [String] {
            guard let collectionCase else {
                return ["\(invoice.label): issued, but debt-collection has no case for it"]
            }
            var found: [String] = []
            let charged = collectionCase.fees.amount + collectionCase.interest.amount
            if charged != invoice.fees.amount {
                found.append(
                    "\(invoice.label): debt-collection charged fees \(collectionCase.fees) and interest "
                        + "\(collectionCase.interest), invoicing has \(invoice.fees) in fees"
                )
            }
            if collectionCase.paid != invoice.paid {
                found.append(
                    "\(invoice.label): debt-collection has \(collectionCase.paid) paid, invoicing \(invoice.paid)"
                )
            }
            if collectionCase.outstanding != invoice.balance {
                found.append(
                    "\(invoice.label): debt-collection's outstanding \(collectionCase.outstanding) differs from "
                        + "invoicing's balance \(invoice.balance)"
                )
            }
            return found
        }

        /// Each payment is in exactly one state, which accounts for its whole amount and decides which list shows it.
        func paymentViolations() -> [String] {
            var found: [String] = []
            var reported: Set<String> = []
            var sources: [String: Int] = [:]
            for payment in payments {
                reported.insert(payment.id)
                sources["\(payment.source) \(payment.sourceID)", default: 0] += 1
                let label = "payment \(payment.source) \(payment.sourceID) [\(payment.id)]"
                let allocated = payment.allocations.reduce(Int64(0)) { $0 + $1.amount.amount }
                let amount = payment.amount.amount
                let unapplied = payment.unapplied.amount
                let onUnmatchedList = unmatchedPaymentIDs.contains(payment.id)
                let onOverpaymentsList = overpaidPaymentIDs.contains(payment.id)
                let accounted: Bool
                let belongsOnUnmatchedList: Bool
                let belongsOnOverpaymentsList: Bool
                switch payment.status {
                case "matched":
                    accounted = unapplied == 0 && allocated == amount
                    (belongsOnUnmatchedList, belongsOnOverpaymentsList) = (false, false)
                case "unmatched":
                    accounted = payment.allocations.isEmpty && unapplied == amount
                    (belongsOnUnmatchedList, belongsOnOverpaymentsList) = (true, false)
                case "overpaid":
                    accounted = unapplied > 0 && allocated + unapplied == amount
                    (belongsOnUnmatchedList, belongsOnOverpaymentsList) = (false, true)
                case "removed":
                    // The unapplied part was refunded through the bank and is no longer on the books.
                    accounted = unapplied == 0 && allocated.magnitude <= amount.magnitude
                    (belongsOnUnmatchedList, belongsOnOverpaymentsList) = (false, false)
                default:
                    found.append("\(label): in no known state ('\(payment.status)')")
                    continue
                }
                if !accounted {
                    found.append(
                        "\(label): \(payment.status), but its amount \(payment.amount) is not accounted for "
                            + "(allocated \(Money(minorUnits: allocated, payment.amount.currency)), unapplied "
                            + "\(payment.unapplied))"
                    )
                }
                if onUnmatchedList != belongsOnUnmatchedList {
                    let position = onUnmatchedList ? "on" : "missing from"
                    found.append("\(label): \(payment.status), but \(position) the unmatched list")
                }
                if onOverpaymentsList != belongsOnOverpaymentsList {
                    let position = onOverpaymentsList ? "on" : "missing from"
                    found.append("\(label): \(payment.status), but \(position) the overpayments list")
                }
            }
            for (source, count) in sources.sorted(by: { $0.key < $1.key }) where count > 1 {
                found.append("payment \(source) was registered \(count) times")
            }
            for id in unmatchedPaymentIDs.union(overpaidPaymentIDs).sorted() where !reported.contains(id) {
                found.append("payment [\(id)] is on an open-payments list but not in the payments report")
            }
            return found
        }
    }

    /// A value for a query string: everything but unreserved characters percent-encoded.
    static func queryValue(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
        )
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
