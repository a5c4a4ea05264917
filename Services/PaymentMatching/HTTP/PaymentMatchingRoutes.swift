import Foundation
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: unmatched payments, overpayments, receivable balances and the payments report.
///
/// Every query parameter is checked: an unknown one, a malformed or out-of-range value is answered 400 naming it.
enum PaymentMatchingRoutes {
    /// What `GET /v1/receivables` reads from the query.
    static let receivablesParameters: Set<String> = PageRequest.parameterNames.union(["creditor", "open"])
    /// What the lists of payments read from the query.
    static let paymentListParameters = PageRequest.parameterNames
    /// What `GET /v1/reports/payments` reads from the query.
    static let reportParameters: Set<String> = ["from", "to", "format"]

    /// The forms of the payments report.
    enum ReportFormat: String, CaseIterable {
        case json, csv, xlsx
    }

    /// The query of `GET /v1/receivables`.
    struct ReceivablesQuery: Equatable {
        var creditorID: String
        var openOnly: Bool
        var page: PageRequest
    }

    /// The query of `GET /v1/reports/payments`.
    struct ReportQuery: Equatable {
        var from: CalendarDate
        var to: CalendarDate
        var format: ReportFormat
    }

    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let queries = PaymentQueries(writer: context.store.writer)
        router.get("/v1/payments/unmatched") { request, _ -> Response in
            let page = try BadQueryParameter.read(request, known: paymentListParameters, PageRequest.init)
            return try JSONResponse.make(try await queries.payments(status: [.unmatched], page: page))
        }
        router.get("/v1/payments/overpayments") { request, _ -> Response in
            let page = try BadQueryParameter.read(request, known: paymentListParameters, PageRequest.init)
            return try JSONResponse.make(try await queries.payments(status: [.overpaid], page: page))
        }
        router.get("/v1/receivables/:invoiceID") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("invoiceID")
            guard let view = try await queries.receivable(id) else {
                throw HTTPError(.notFound, message: "no receivable \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/receivables") { request, _ -> Response in
            let query = try BadQueryParameter.read(request, known: receivablesParameters, receivablesQuery)
            return try JSONResponse.make(
                try await queries.receivables(creditorID: query.creditorID, openOnly: query.openOnly, page: query.page)
            )
        }
        router.get("/v1/reports/payments") { request, _ -> Response in
            let query = try BadQueryParameter.read(request, known: reportParameters, reportQuery)
            let payments = try await queries.report(from: query.from, to: query.to)
            switch query.format {
            case .json: return try JSONResponse.make(payments)
            case .csv: break
            case .xlsx:
                // libxlsxwriter writes through a temporary file: off the event loop.
                let workbook = try await Task.detached { try PaymentsReportXLSX.render(payments) }.value
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        .contentDisposition: "attachment; filename=\"inbetalningar-\(query.from)-\(query.to).xlsx\"",
                    ],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: workbook))
                )
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"inbetalningar-\(query.from)-\(query.to).csv\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: PaymentsReportCSV.render(payments)))
            )
        }
        router.get("/v1/reports/deposits") { request, _ -> Response in
            let query = try BadQueryParameter.read(request, known: reportParameters, reportQuery)
            let deposits = try await queries.deposits(from: query.from, to: query.to)
            // The deposits report is JSON or CSV; an Excel form is only made of the payments report.
            if query.format == .xlsx {
                throw BadQueryParameter(problem: InvalidQueryParameter("format", "must be json or csv"))
            }
            guard query.format == .csv else { return try JSONResponse.make(deposits) }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"insattningar-\(query.from)-\(query.to).csv\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: PaymentsReportCSV.render(deposits)))
            )
        }
    }

    /// `creditor` (required), `open` (`true` or `false`, default `false`), `limit` and `offset`.
    static func receivablesQuery(_ query: QueryParameters) throws(InvalidQueryParameter) -> ReceivablesQuery {
        guard let creditor = try query.text("creditor") else { throw InvalidQueryParameter("creditor", "is required") }
        return ReceivablesQuery(
            creditorID: creditor,
            openOnly: try query.boolean("open") ?? false,
            page: try PageRequest(query)
        )
    }

    /// `from` and `to` (required, `from` ≤ `to`) and `format` (`json`, the default, `csv` or `xlsx`).
    static func reportQuery(_ query: QueryParameters) throws(InvalidQueryParameter) -> ReportQuery {
        guard let from = try query.date("from") else { throw InvalidQueryParameter("from", "is required") }
        guard let to = try query.date("to") else { throw InvalidQueryParameter("to", "is required") }
        try QueryParameters.requireOrdered(from, to, startName: "from", endName: "to")
        return ReportQuery(from: from, to: to, format: try query.choice("format", of: ReportFormat.self) ?? .json)
    }
}
