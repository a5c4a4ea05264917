import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: a case with its history and next step, the cases by status (held ones too), and their counts.
///
/// Every query parameter is validated: an unknown parameter, one given twice, or a value that is malformed or out of
/// range is answered 400 with every problem (``BadRequestBody``), never with an empty list or a trap.
enum CaseRoutes {
    struct CaseView: Codable, Sendable {
        var invoiceID: String
        var invoiceNumber: String
        var creditorID: String
        var debtorName: String
        var dueDate: CalendarDate
        var status: String
        var capital: Money
        var fees: Money
        var interest: Money
        var paid: Money
        var outstanding: Money
        var nextStep: String?
        var nextDate: CalendarDate?
        /// Why the scheduler cannot take the case's step, since when, and when it tries again; absent when the case
        /// is not held.
        var held: CaseHold.Stored?
        /// When the claim becomes time-barred (3 years on a consumer, else 10), restarted by every demand letter from
        /// the day it reached the debtor (``Preskription/interruptionDate(of:in:)``); absent when that falls beyond
        /// the supported calendar.
        var preskription: CalendarDate?
        /// From this date the case warns that preskription is near.
        var preskriptionWarningFrom: CalendarDate?
        var history: [HistoryEntry]

        init(_ record: CollectionCase) throws {
            invoiceID = record.invoiceID
            invoiceNumber = record.invoiceNumber
            creditorID = record.creditorID
            debtorName = record.debtorName
            dueDate = try CalendarDate(parsing: record.dueDate)
            status = record.status
            capital = record.money(try record.capital)
            fees = record.money(record.fees)
            interest = record.money(record.interest)
            paid = record.money(record.paid)
            outstanding = record.money(try record.outstanding)
            nextStep = record.nextStep
            nextDate = try record.nextDate.map { try CalendarDate(parsing: $0) }
            held = record.hold
            let events = try record.events
            history = events.map(\.historyEntry)
            let preskription = Preskription(
                period: .init(debtor: record.debtorKind == "business" ? .business : .consumer),
                claimArose: try record.issued
            ).interrupted(by: events)
            self.preskription = preskription.date
            preskriptionWarningFrom = preskription.warningDate()
        }
    }

    /// `GET /v1/case-summary`: how many cases there are, and how many are held and why.
    struct Summary: Codable, Sendable, Equatable {
        var open: Int
        var closed: Int
        /// Open cases whose step cannot be taken.
        var held: Int
        /// The held cases by ``CaseHold/Reason`` code.
        var heldByReason: [String: Int]
        /// When the longest-held case was first held.
        var oldestHeldSince: Date?
    }

    /// The 400 answer: every problem with the query.
    struct QueryRejected: Error, Sendable, Equatable {
        let errors: [FieldError]
    }

    /// The query of `GET /v1/cases`, validated.
    struct CaseListQuery: Sendable, Equatable {
        /// Which cases: `open` (held ones included), `closed`, or only the `held` ones.
        enum Status: String, Sendable, CaseIterable {
            case open, closed, held
        }

        /// The parameters `GET /v1/cases` knows.
        enum Parameter: String, Sendable, CaseIterable {
            case status, limit, offset
        }

        var status: Status = .open
        /// At most this many cases, in due-date order.
        var limit = PageRequest.defaultLimit
        /// Cases to skip, for reading a long list page by page.
        var offset = 0

        /// The page asked for.
        var page: PageRequest { PageRequest(limit: limit, offset: offset) }

        init() {}

        /// Parses the query's name-value pairs, collecting every problem rather than stopping at the first.
        init(parsing parameters: [(name: String, value: String)]) throws(QueryRejected) {
            var errors = CaseRoutes.unknownOrRepeated(parameters, known: Parameter.allCases.map(\.rawValue))
            for (name, value) in parameters {
                switch Parameter(rawValue: name) {
                case .status:
                    guard let status = Status(rawValue: value) else {
                        errors.append(
                            FieldError(
                                name,
                                "must be one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))"
                            )
                        )
                        continue
                    }
                    self.status = status
                case .limit:
                    guard let limit = Int(value), PageRequest.limits.contains(limit) else {
                        let range = PageRequest.limits
                        errors.append(
                            FieldError(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                        )
                        continue
                    }
                    self.limit = limit
                case .offset:
                    guard let offset = Int(value), PageRequest.offsets.contains(offset) else {
                        let range = PageRequest.offsets
                        errors.append(
                            FieldError(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                        )
                        continue
                    }
                    self.offset = offset
                case nil:
                    continue
                }
            }
            guard errors.isEmpty else { throw QueryRejected(errors: errors) }
        }

        /// The page of cases it selects.
        func cases(_ db: Database) throws -> ListPage<CollectionCase> {
            let condition =
                switch status {
                case .open: "status = 'open'"
                case .closed: "status = 'closed'"
                case .held: "status = 'open' AND heldReason IS NOT NULL"
                }
            let rows = try CollectionCase.fetchAll(
                db,
                sql: "SELECT * FROM collection_case WHERE \(condition) ORDER BY dueDate, invoiceID \(page.sqlClause)"
            )
            return ListPage(reading: rows, for: page)
        }
    }

    /// The longest parameter name echoed back; a longer one is cut.
    static let maximumNameEchoed = 64

    /// Errors for parameters a route does not know and for parameters given more than once.
    static func unknownOrRepeated(_ parameters: [(name: String, value: String)], known: [String]) -> [FieldError] {
        var errors: [FieldError] = []
        var seen: Set<String> = []
        for (name, _) in parameters {
            let shown = name.count > maximumNameEchoed ? "\(name.prefix(maximumNameEchoed))…" : name
            if !known.contains(name) {
                let expected =
                    known.isEmpty ? "this path takes no parameters" : "known: \(known.joined(separator: ", "))"
                errors.append(FieldError(shown, "unknown parameter; \(expected)"))
            } else if !seen.insert(name).inserted {
                errors.append(FieldError(shown, "given more than once"))
            }
        }
        return errors
    }

    /// The query string's name-value pairs, in order, repeats included.
    static func parameters(_ request: Request) -> [(name: String, value: String)] {
        request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
    }

    /// Refuses any query parameter on a path that takes none.
    static func requireNoParameters(_ request: Request) throws(QueryRejected) {
        let errors = unknownOrRepeated(parameters(request), known: [])
        guard errors.isEmpty else { throw QueryRejected(errors: errors) }
    }

    /// The 400 response for a rejected query.
    static func badRequest(_ rejected: QueryRejected) throws -> Response {
        try BadRequestBody(rejected.errors).response()
    }

    /// The counts of `GET /v1/case-summary`.
    static func summary(_ db: Database) throws -> Summary {
        let counts = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS count FROM collection_case GROUP BY status")
        var byStatus: [String: Int] = [:]
        for row in counts { byStatus[row["status"] as String] = row["count"] as Int }
        let held = try CollectionScheduler.heldCases(db)
        return Summary(
            open: byStatus["open"] ?? 0,
            closed: byStatus["closed"] ?? 0,
            held: held.byReason.values.reduce(0, +),
            heldByReason: held.byReason,
            oldestHeldSince: held.oldestSince
        )
    }

    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let writer = context.store.writer
        router.get("/v1/cases/:invoiceID") { request, routeContext -> Response in
            do throws(QueryRejected) {
                try requireNoParameters(request)
            } catch {
                return try badRequest(error)
            }
            let id = try routeContext.parameters.require("invoiceID")
            guard
                let view = try await writer.read({ db in try CollectionCase.fetchOne(db, key: id).map(CaseView.init) })
            else {
                throw HTTPError(.notFound, message: "no case for invoice \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/cases") { request, _ -> Response in
            let query: CaseListQuery
            do throws(QueryRejected) {
                query = try CaseListQuery(parsing: parameters(request))
            } catch {
                return try badRequest(error)
            }
            let views = try await writer.read { db in try query.cases(db).map(CaseView.init) }
            return try JSONResponse.make(views)
        }
        router.get("/v1/case-summary") { request, _ -> Response in
            do throws(QueryRejected) {
                try requireNoParameters(request)
            } catch {
                return try badRequest(error)
            }
            return try JSONResponse.make(try await writer.read { db in try summary(db) })
        }
    }
}
