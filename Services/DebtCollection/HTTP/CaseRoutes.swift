import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: a case with its history and next step, and the open cases.
enum CaseRoutes {
    struct CaseView: Codable, Sendable {
        var invoiceID: String
        var invoiceNumber: String
        var creditorID: String
        var debtorName: String
        var dueDate: String
        var status: String
        var capital: Money
        var fees: Money
        var interest: Money
        var paid: Money
        var outstanding: Money
        var nextStep: String?
        var nextDate: String?
        /// When the claim becomes time-barred (3 years on a consumer, else 10), restarted by every demand letter.
        var preskription: String
        /// From this date the case warns that preskription is near.
        var preskriptionWarningFrom: String
        var history: [String]

        init(_ record: CollectionCase) throws {
            invoiceID = record.invoiceID
            invoiceNumber = record.invoiceNumber
            creditorID = record.creditorID
            debtorName = record.debtorName
            dueDate = record.dueDate
            status = record.status
            capital = record.money(record.amountDue - record.adjustments)
            fees = record.money(record.fees)
            interest = record.money(record.interest)
            paid = record.money(record.paid)
            outstanding = record.money(record.outstanding)
            nextStep = record.nextStep
            nextDate = record.nextDate
            let events = try record.events
            history = events.map { "\($0.date): \($0.summary)" }
            var preskription = Preskription(
                period: .init(debtor: record.debtorKind == "business" ? .business : .consumer),
                claimArose: CalendarDate(record.issuedOn)!
            )
            for event in events where event.interruptsPreskription {
                preskription = preskription.interrupted(on: event.date)
            }
            self.preskription = preskription.date.description
            preskriptionWarningFrom = preskription.warningDate().description
        }
    }

    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let writer = context.store.writer
        router.get("/v1/cases/:invoiceID") { _, routeContext -> Response in
            let id = try routeContext.parameters.require("invoiceID")
            guard
                let view = try await writer.read({ db in try CollectionCase.fetchOne(db, key: id).map(CaseView.init) })
            else {
                throw HTTPError(.notFound, message: "no case for invoice \(id)")
            }
            return try JSONResponse.make(view)
        }
        router.get("/v1/cases") { request, _ -> Response in
            let status = request.uri.queryParameters["status"].map(String.init) ?? "open"
            let views = try await writer.read { db in
                try CollectionCase.fetchAll(
                    db,
                    sql: "SELECT * FROM collection_case WHERE status = ? ORDER BY dueDate",
                    arguments: [status]
                )
                .map(CaseView.init)
            }
            return try JSONResponse.make(views)
        }
    }
}
