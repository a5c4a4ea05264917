import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: `GET /v1/invoices/{id}`, `GET /v1/invoices?…`, `GET /v1/invoices/{id}/document`.
///
/// Every query parameter is checked: an unknown one, a malformed or out-of-range value is answered 400 naming it.
enum InvoicingRoutes {
    /// What `GET /v1/invoices` reads from the query.
    static let listParameters: Set<String> = PageRequest.parameterNames.union([
        "creditor", "debtor", "status", "colour", "from", "to", "closedFrom", "closedTo",
    ])

    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        PriceRoutes.add(to: router, context: context)
        let queries = InvoiceQueries(writer: context.store.writer)
        let clock = context.clock
        router.get("/v1/invoices/:id") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("id")
            guard let view = try await queries.invoice(id, today: CalendarDate.today(at: clock.now())) else {
                throw HTTPError(.notFound, message: "no invoice \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/invoices") { request, _ -> Response in
            let filter = try BadQueryParameter.read(request, known: listParameters, listFilter)
            return try JSONResponse.make(try await queries.list(filter, today: CalendarDate.today(at: clock.now())))
        }
        router.get("/v1/invoices/:id/document") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("id")
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

    /// The filter of `GET /v1/invoices` from its query parameters.
    static func listFilter(_ query: QueryParameters) throws(InvalidQueryParameter) -> InvoiceQueries.Filter {
        var filter = InvoiceQueries.Filter()
        filter.creditorID = try query.text("creditor")
        if let debtor = try query.text("debtor") {
            // Stored digits only (InvoiceStore.normalisedIdentity); written forms add '-', '+' and spaces.
            guard debtor.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+" || $0 == " ") }),
                debtor.contains(where: { $0.isASCII && $0.isNumber })
            else { throw InvalidQueryParameter("debtor", "expected an identity number: digits, '-', '+'") }
            filter.debtorIdentity = debtor
        }
        filter.status = try query.choice("status", of: InvoiceRecord.Status.self)
        filter.colour = try query.choice("colour", of: StatusColour.self)
        filter.from = try query.date("from")
        filter.to = try query.date("to")
        try QueryParameters.requireOrdered(filter.from, filter.to, startName: "from", endName: "to")
        filter.closedFrom = try query.date("closedFrom")
        filter.closedTo = try query.date("closedTo")
        try QueryParameters.requireOrdered(
            filter.closedFrom,
            filter.closedTo,
            startName: "closedFrom",
            endName: "closedTo"
        )
        filter.page = try PageRequest(query)
        return filter
    }
}
