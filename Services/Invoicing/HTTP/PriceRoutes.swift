import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The price list and the monthly statement of platform fees: `GET /v1/creditors/{id}/prices` and
/// `GET /v1/creditors/{id}/statements/{YYYY-MM}`.
enum PriceRoutes {
    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let writer = context.store.writer
        let clock = context.clock
        router.get("/v1/creditors/:id/prices") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("id")
            let now = clock.now()
            let view = try await writer.read { db -> PriceListView? in
                guard try CreditorRecord.exists(db, key: id) else { return nil }
                return PriceListView(creditorID: id, prices: try PriceStore.priceList(creditorID: id, at: now, db))
            }
            guard let view else { throw HTTPError(.notFound, message: "no creditor \(id)") }
            return try JSONResponse.make(view)
        }
        router.get("/v1/creditors/:id/statements/:month") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("id")
            let month = try StatementMonth(parsing: try routeContext.parameters.require("month"))
            let fees = try await writer.read { db -> [PlatformFeeRecord]? in
                guard try CreditorRecord.exists(db, key: id) else { return nil }
                return try PriceStore.fees(creditorID: id, month: month.text, db)
            }
            guard let fees else { throw HTTPError(.notFound, message: "no creditor \(id)") }
            let statement: StatementView
            do {
                statement = try StatementView(creditorID: id, month: month.text, fees: fees)
            } catch {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
            return try JSONResponse.make(statement)
        }
    }
}

/// A statement's month from the path, `YYYY-MM` within the supported dates; anything else is a 400 naming `month`.
struct StatementMonth: Equatable {
    let text: String

    init(parsing value: String) throws(BadQueryParameter) {
        let bytes = Array(value.utf8)
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"), bytes[0..<4].allSatisfy(isDigit),
            bytes[5..<7].allSatisfy(isDigit), let year = Int(value.prefix(4)), let month = Int(value.suffix(2))
        else {
            throw BadQueryParameter(problem: InvalidQueryParameter("month", "expected a month YYYY-MM"))
        }
        let range = CalendarDate.supportedRange
        guard (1...12).contains(month), (range.lowerBound.year...range.upperBound.year).contains(year) else {
            throw BadQueryParameter(
                problem: InvalidQueryParameter(
                    "month",
                    "must be a month 01–12 of a year \(range.lowerBound.year)–\(range.upperBound.year)"
                )
            )
        }
        text = value
    }
}

/// A creditor's prices as they stand now, each with the default it replaces.
struct PriceListView: Encodable {
    let creditorID: String
    let currency: String
    let prices: [Entry]

    struct Entry: Encodable {
        let service: ChargeableService
        /// What an act costs now.
        let price: Money
        /// `default` or `creditor`.
        let source: PriceSource
        /// The platform's default price for the service.
        let defaultPrice: Money
    }

    init(creditorID: String, prices: [StandingPrice]) {
        self.creditorID = creditorID
        currency = PriceList.currency.code
        self.prices = prices.map {
            Entry(
                service: $0.service,
                price: Money(minorUnits: $0.price, PriceList.currency),
                source: $0.source,
                defaultPrice: Money(minorUnits: PriceList.defaultPrice($0.service), PriceList.currency)
            )
        }
    }
}

/// The platform fees of one creditor and month: summed per service and price, and each fee.
struct StatementView: Encodable {
    let creditorID: String
    let month: String
    let lines: [Line]
    let total: Money
    let fees: [Fee]

    /// The fees of one service at one price (a price changed within the month gives the service two lines).
    struct Line: Encodable {
        /// A ``ChargeableService`` raw value (as stored with the fee).
        let service: String
        let unitPrice: Money
        let count: Int
        let total: Money
    }

    struct Fee: Encodable {
        let on: String
        let service: String
        let amount: Money
        let priceSource: String
        let invoiceID: String?
        let claimFileID: String?
        let actType: String
        let actMessageID: String
        let feeMessageID: String
    }

    /// A sum beyond what an amount can hold: the statement cannot be stated (never a trap).
    struct Overflow: Error, CustomStringConvertible {
        var description: String { "the statement's total is beyond what an amount can hold" }
    }

    init(creditorID: String, month: String, fees records: [PlatformFeeRecord]) throws(Overflow) {
        self.creditorID = creditorID
        self.month = month
        let currency = PriceList.currency
        var counts: [String: [Int64: Int]] = [:]
        for record in records { counts[record.service, default: [:]][record.amount, default: 0] += 1 }
        // Services in the price list's order, then any the code no longer lists, so that no fee is left out.
        let known = ChargeableService.allCases.map(\.rawValue)
        let services = known.filter { counts[$0] != nil } + counts.keys.filter { !known.contains($0) }.sorted()
        var lines: [Line] = []
        var total: Int64 = 0
        for service in services {
            for (price, count) in (counts[service] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let (lineTotal, overflow) = price.multipliedReportingOverflow(by: Int64(count))
                guard !overflow, let sum = MinorUnits.sum(total, lineTotal) else { throw Overflow() }
                total = sum
                lines.append(
                    Line(
                        service: service,
                        unitPrice: Money(minorUnits: price, currency),
                        count: count,
                        total: Money(minorUnits: lineTotal, currency)
                    )
                )
            }
        }
        self.lines = lines
        self.total = Money(minorUnits: total, currency)
        fees = records.map {
            Fee(
                on: $0.actDate,
                service: $0.service,
                amount: Money(minorUnits: $0.amount, currency),
                priceSource: $0.priceSource,
                invoiceID: $0.invoiceID,
                claimFileID: $0.claimFileID,
                actType: $0.actType,
                actMessageID: $0.actMessageID,
                feeMessageID: $0.feeMessageID
            )
        }
    }
}
