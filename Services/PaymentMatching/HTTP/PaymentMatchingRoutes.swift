import Foundation
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: unmatched payments, overpayments, receivable balances and the payments report.
enum PaymentMatchingRoutes {
    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let queries = PaymentQueries(writer: context.store.writer)
        router.get("/v1/payments/unmatched") { _, _ -> Response in
            try JSONResponse.make(try await queries.payments(status: [.unmatched]))
        }
        router.get("/v1/payments/overpayments") { _, _ -> Response in
            try JSONResponse.make(try await queries.payments(status: [.overpaid]))
        }
        router.get("/v1/receivables/:invoiceID") { _, request -> Response in
            let id = try request.parameters.require("invoiceID")
            guard let view = try await queries.receivable(id) else {
                throw HTTPError(.notFound, message: "no receivable \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/receivables") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let creditor = query["creditor"].map(String.init), !creditor.isEmpty else {
                throw HTTPError(.badRequest, message: "creditor is required")
            }
            return try JSONResponse.make(
                try await queries.receivables(creditorID: creditor, openOnly: query["open"] == "true")
            )
        }
        router.get("/v1/reports/payments") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let from = query["from"].flatMap({ CalendarDate(String($0)) }),
                let to = query["to"].flatMap({ CalendarDate(String($0)) }), from <= to
            else { throw HTTPError(.badRequest, message: "from and to must be dates YYYY-MM-DD, from ≤ to") }
            let payments = try await queries.report(from: from, to: to)
            guard query["format"] == "csv" else { return try JSONResponse.make(payments) }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"inbetalningar-\(from)-\(to).csv\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: PaymentsReportCSV.render(payments)))
            )
        }
    }

}
