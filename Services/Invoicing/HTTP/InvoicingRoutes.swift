import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: `GET /v1/invoices/{id}`, `GET /v1/invoices?…`, `GET /v1/invoices/{id}/document`.
enum InvoicingRoutes {
    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let queries = InvoiceQueries(writer: context.store.writer)
        let clock = context.clock
        router.get("/v1/invoices/:id") { _, request -> Response in
            let id = try request.parameters.require("id")
            guard let view = try await queries.invoice(id, today: CalendarDate.today(at: clock.now())) else {
                throw HTTPError(.notFound, message: "no invoice \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/invoices") { request, _ -> Response in
            let query = request.uri.queryParameters
            var filter = InvoiceQueries.Filter()
            filter.creditorID = query["creditor"].map(String.init)
            filter.debtorIdentity = query["debtor"].map(String.init)
            filter.status = query["status"].map(String.init)
            if let colour = query["colour"] {
                guard let parsed = StatusColour(rawValue: String(colour)) else {
                    throw HTTPError(.badRequest, message: "colour must be red, yellow, green, closed or draft")
                }
                filter.colour = parsed
            }
            filter.from = try date(query["from"], "from")
            filter.to = try date(query["to"], "to")
            filter.closedFrom = try date(query["closedFrom"], "closedFrom")
            filter.closedTo = try date(query["closedTo"], "closedTo")
            if let limit = query["limit"] {
                guard let value = Int(limit), value > 0 else {
                    throw HTTPError(.badRequest, message: "limit must be positive")
                }
                filter.limit = value
            }
            if let offset = query["offset"] {
                guard let value = Int(offset), value >= 0 else {
                    throw HTTPError(.badRequest, message: "offset must be zero or more")
                }
                filter.offset = value
            }
            return try JSONResponse.make(try await queries.list(filter, today: CalendarDate.today(at: clock.now())))
        }
        router.get("/v1/invoices/:id/document") { _, request -> Response in
            let id = try request.parameters.require("id")
            guard let view = try await queries.invoice(id, today: CalendarDate.today(at: clock.now())) else {
                throw HTTPError(.notFound, message: "no invoice \(id)")
            }
            let (creditorName, organisationNumber, originalNumber) = try await context.store.writer.read { db in
                let creditor = try CreditorRecord.fetchOne(db, key: view.creditorID)?.registration
                let original = try view.originalInvoiceID.flatMap { try InvoiceRecord.find($0, db)?.number }
                return (creditor?.name ?? view.creditorID, creditor?.organisationNumber, original)
            }
            let html = InvoiceDocument.render(
                view,
                creditorName: creditorName,
                creditorOrganisationNumber: organisationNumber,
                originalNumber: originalNumber
            )
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html))
            )
        }
    }

    static func date(_ text: Substring?, _ name: String) throws -> CalendarDate? {
        guard let text else { return nil }
        guard let date = CalendarDate(String(text)) else {
            throw HTTPError(.badRequest, message: "\(name) must be a date YYYY-MM-DD")
        }
        return date
    }
}
