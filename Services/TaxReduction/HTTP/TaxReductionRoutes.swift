import Foundation
import GRDB
import Hummingbird
import KvittContracts
import KvittMessaging

/// The read API: claims by status, a buyer's use of the annual cap, and the claim files with their deadlines.
enum TaxReductionRoutes {
    struct ClaimView: Codable, Sendable {
        var id: String
        var invoiceID: String
        var invoiceNumber: String?
        var creditorID: String
        var kind: String
        /// Masked: `19811218-****`.
        var buyer: String
        var year: Int
        var requested: Money
        var hours: Int
        var status: String
        var paymentDate: String?
        var fileID: String?
        var approved: Money?
        var capWarning: String?
        /// What credits took back after the claim was sent, owed to Skatteverket.
        var repaymentDue: Money?
        /// What the payment date allowed less than the invoice gave: billed to the buyer, with the reason.
        var billedToBuyer: Money?
        var billedReason: String?
        /// Other costs reported (`Ovrigkostnad`).
        var otherCost: Money

        init(_ record: ClaimRecord) {
            id = record.id
            invoiceID = record.invoiceID
            invoiceNumber = record.invoiceNumber
            creditorID = record.creditorID
            kind = record.kind
            buyer = record.maskedBuyer
            year = record.year
            requested = Money(minorUnits: record.share, .sek)
            hours = record.hours
            status = record.status.rawValue
            paymentDate = record.paymentDate
            fileID = record.fileID
            approved = record.approved.map { Money(minorUnits: $0, .sek) }
            capWarning = record.capWarning
            repaymentDue = record.repayment > 0 ? Money(minorUnits: record.repayment, .sek) : nil
            billedToBuyer = record.adjusted > 0 ? Money(minorUnits: record.adjusted, .sek) : nil
            billedReason = record.adjusted > 0 ? record.adjustmentReason : nil
            otherCost = Money(minorUnits: record.otherCost, .sek)
        }
    }

    struct CapUsage: Codable, Sendable {
        // The buyer's full number: only ever answered to a request that named it.
        var buyer: String
        var year: Int
        var rot: Money
        var rut: Money
        var total: Money
        var remaining: Money
        var remainingROT: Money
    }

    struct FileView: Codable, Sendable {
        var id: String
        var creditorID: String
        var kind: String
        var year: Int
        var name: String
        var deadline: String
        var downloadPath: String
    }

    /// What `GET /v1/claims` reads from the query.
    static let claimsParameters: Set<String> = PageRequest.parameterNames.union(["status"])
    /// What `GET /v1/claim-files` reads from the query.
    static let claimFilesParameters = PageRequest.parameterNames
    /// The fields of `POST /v1/buyers/usage`'s JSON body. The number travels in a body, never in a path or a query,
    /// where proxies' and servers' access logs would keep it.
    enum UsageField: String, CaseIterable {
        case personnummer, year
    }

    /// What `POST /v1/buyers/usage` asks: a buyer, and a year (this year when absent).
    struct UsageQuestion {
        var buyer: Personnummer
        var year: Int?
    }

    /// The largest body `POST /v1/buyers/usage` reads.
    static let maximumUsageBodyBytes = 4096

    static func add(to router: Router<BasicRequestContext>, context: ServiceContext) {
        let writer = context.store.writer
        router.get("/v1/claims") { request, _ -> Response in
            let (status, page) = try BadQueryParameter.read(request, known: claimsParameters) {
                query throws(InvalidQueryParameter) in
                (try query.choice("status", of: ClaimRecord.Status.self), try PageRequest(query))
            }
            let claims = try await writer.read { db in
                let records = try ClaimRecord.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM claim WHERE (?1 IS NULL OR status = ?1) ORDER BY year, invoiceID, buyer
                        \(page.sqlClause)
                        """,
                    arguments: [status?.rawValue]
                )
                return ListPage(reading: records, for: page).map(ClaimView.init)
            }
            return try JSONResponse.make(claims)
        }
        router.post("/v1/buyers/usage") { request, _ -> Response in
            try BadQueryParameter.requireNone(request)
            var request = request
            let body = try await request.collectBody(upTo: maximumUsageBodyBytes)
            let question = try usageQuestion(Array(body.readableBytesView))
            let year = question.year ?? CalendarDate.today(at: context.clock.now()).year
            let answer = try await writer.read { db in try Self.usage(of: question.buyer, in: year, db) }
            return try JSONResponse.make(answer)
        }
        router.get("/v1/claim-files") { request, _ -> Response in
            let page = try BadQueryParameter.read(request, known: claimFilesParameters, PageRequest.init)
            let files = try await writer.read { db in
                let records = try ClaimFileRecord.fetchAll(
                    db,
                    sql: "SELECT * FROM claim_file ORDER BY generatedAt, id \(page.sqlClause)"
                )
                return ListPage(reading: records, for: page).map {
                    FileView(
                        id: $0.id,
                        creditorID: $0.creditorID,
                        kind: $0.kind,
                        year: $0.year,
                        name: $0.name,
                        deadline: $0.deadline,
                        downloadPath: "/v1/claim-files/\($0.id)"
                    )
                }
            }
            return try JSONResponse.make(files)
        }
        router.get("/v1/claim-files/:id") { request, routeContext -> Response in
            try BadQueryParameter.requireNone(request)
            let id = try routeContext.parameters.require("id")
            guard let file = try await writer.read({ db in try ClaimFileRecord.fetchOne(db, key: id) }) else {
                throw HTTPError(.notFound, message: "no claim file \(id)")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/xml; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(file.name).xml\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: file.xml))
            )
        }
    }

    /// Reads `{"personnummer": "19811218-9876", "year": 2026}`; `year` may be left out (or null) for this year.
    /// - Throws: ``BadQueryParameter`` naming the field (`body` for a body that is not a JSON object). The number is
    ///   never echoed: a refusal says what a number looks like, not what was sent.
    static func usageQuestion(_ body: [UInt8]) throws(BadQueryParameter) -> UsageQuestion {
        let fields: [String: JSONField]
        do {
            fields = try JSONDecoder().decode([String: JSONField].self, from: Data(body))
        } catch {
            throw BadQueryParameter(
                problem: InvalidQueryParameter(
                    "body",
                    "expected a JSON object like {\"personnummer\": \"YYYYMMDD-NNNN\", \"year\": 2026}"
                )
            )
        }
        if let unknown = fields.keys.sorted().first(where: { UsageField(rawValue: $0) == nil }) {
            // The field's name is named back only when it is a plain word: a number sent as a key is never echoed.
            let isPlainName =
                (1...40).contains(unknown.utf8.count)
                && unknown.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_"
                }
            throw BadQueryParameter(
                problem: InvalidQueryParameter(
                    isPlainName ? unknown : "body",
                    "unknown field; expected \(UsageField.allCases.map(\.rawValue).joined(separator: " and "))"
                )
            )
        }
        guard case .text(let text) = fields[UsageField.personnummer.rawValue] else {
            throw BadQueryParameter(
                problem: InvalidQueryParameter(UsageField.personnummer.rawValue, "required, as a string")
            )
        }
        let buyer: Personnummer
        do {
            buyer = try Personnummer(parsing: text)
        } catch {
            throw BadQueryParameter(
                problem: InvalidQueryParameter(
                    UsageField.personnummer.rawValue,
                    "not a valid personnummer (YYYYMMDD-NNNN or YYMMDD-NNNN with a correct check digit)"
                )
            )
        }
        let supported = CalendarDate.supportedRange.lowerBound.year...CalendarDate.supportedRange.upperBound.year
        switch fields[UsageField.year.rawValue] {
        case nil, .null:
            return UsageQuestion(buyer: buyer, year: nil)
        case .integer(let year) where supported.contains(year):
            return UsageQuestion(buyer: buyer, year: year)
        default:
            throw BadQueryParameter(
                problem: InvalidQueryParameter(
                    UsageField.year.rawValue,
                    "expected a whole number from \(supported.lowerBound) to \(supported.upperBound)"
                )
            )
        }
    }

    /// One value of a JSON object, as far as the usage question cares.
    enum JSONField: Decodable {
        case text(String)
        case integer(Int)
        case null
        /// Anything else: a fraction, a number too large, true/false, an array or an object.
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let integer = try? container.decode(Int.self) {
                self = .integer(integer)
            } else {
                self = .other
            }
        }
    }

    /// A buyer's allocated ROT and RUT in a year and what is left of the caps. Asked for by the full number, so the
    /// answer carries it.
    static func usage(of buyer: Personnummer, in year: Int, _ db: Database) throws -> CapUsage {
        let (rot, rut) = try ClaimRecord.capUsed(by: buyer.canonical, in: year, db)
        let remaining = max(0, ReductionRates.totalCap - rot - rut)
        return CapUsage(
            buyer: buyer.canonical,
            year: year,
            rot: Money(minorUnits: rot, .sek),
            rut: Money(minorUnits: rut, .sek),
            total: Money(minorUnits: rot + rut, .sek),
            remaining: Money(minorUnits: remaining, .sek),
            remainingROT: Money(minorUnits: max(0, min(ReductionRates.rotCap - rot, remaining)), .sek)
        )
    }
}
