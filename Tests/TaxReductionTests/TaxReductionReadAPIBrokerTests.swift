import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import TaxReduction

/// The read API of the tax-reduction service built by the real host (which needs the broker to become ready).
@Suite("Tax-reduction's read API through the real host")
struct TaxReductionReadAPIBrokerTests {
    @Test func badQueryParametersAreAnswered400NamingTheParameter() async throws {
        let service = try await InProcessService.start(
            TaxReductionService.definition,
            logger: TestBroker.logger("tax-reduction-http")
        )
        let refused: [(path: String, parameter: String)] = [
            ("/v1/claims?status=paid", "status"), ("/v1/claims?state=claimed", "state"),
            ("/v1/claim-files?kind=rot", "kind"),
        ]
        for (path, parameter) in refused {
            let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15), "\(path)")
            #expect(answer.status == 400, "\(path): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == parameter, "\(path): \(answer.body)")
        }
        #expect(await HTTPProbe.get(port: service.port, path: "/v1/claims?status=claimed", timeout: 15)?.status == 200)
        try await service.stop()
    }

    /// A 10 MB body is refused without being read (413, or the connection closed while it was still being sent),
    /// and the service goes on answering.
    @Test func aTenMegabyteUsageBodyIsRefusedAndTheServiceGoesOn() async throws {
        let service = try await InProcessService.start(
            TaxReductionService.definition,
            logger: TestBroker.logger("tax-reduction-usage-large")
        )
        let justOver =
            #"{"personnummer": "19811218-9876", "pad": ""#
            + String(repeating: "x", count: TaxReductionRoutes.maximumUsageBodyBytes) + #""}"#
        let refused = await HTTPProbe.post(port: service.port, path: "/v1/buyers/usage", json: justOver, timeout: 15)
        #expect(refused?.status == 413, "\(refused?.status ?? 0): \(refused?.body.prefix(200) ?? "")")
        let large = #"{"personnummer": "19811218-9876", "pad": ""# + String(repeating: "x", count: 10 << 20) + #""}"#
        let answer = await HTTPProbe.post(port: service.port, path: "/v1/buyers/usage", json: large, timeout: 15)
        #expect(answer == nil || answer?.status == 413, "\(answer?.status ?? 0): \(answer?.body.prefix(200) ?? "")")
        let usage = try await capUsage(port: service.port, year: 2026)
        #expect(usage.year == 2026)
        try await service.stop()
    }

    /// The buyer's number travels in a JSON body: a malformed number or year is a 400 naming the field, and the
    /// refusal never repeats the number.
    @Test func usageIsAskedInABodyAndMalformedFieldsAre400() async throws {
        let service = try await InProcessService.start(
            TaxReductionService.definition,
            logger: TestBroker.logger("tax-reduction-usage")
        )
        let refused: [(json: String, field: String)] = [
            (#"{"personnummer": "19811218-9876", "year": 99999}"#, "year"),
            (#"{"personnummer": "19811218-9876", "year": 99999999999999999999}"#, "year"),
            (#"{"personnummer": "19811218-9876", "year": -1}"#, "year"),
            (#"{"personnummer": "19811218-9876", "year": "2026"}"#, "year"),
            (#"{"personnummer": "19811218-9876", "year": 2026.5}"#, "year"),
            (#"{"personnummer": "19811218-9877", "year": 2026}"#, "personnummer"),
            (#"{"personnummer": 198112189876}"#, "personnummer"),
            (#"{"year": 2026}"#, "personnummer"),
            (#"{"personnummer": "19811218-9876", "colour": "red"}"#, "colour"),
            ("[1, 2", "body"), ("", "body"),
        ]
        for (json, field) in refused {
            let answer = try #require(
                await HTTPProbe.post(port: service.port, path: "/v1/buyers/usage", json: json, timeout: 15),
                "\(json)"
            )
            #expect(answer.status == 400, "\(json): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == field, "\(json): \(answer.body)")
            #expect(!answer.body.contains("9876") && !answer.body.contains("9877"), "\(json): \(answer.body)")
        }
        let usage = try await capUsage(port: service.port, year: 2199)
        #expect(usage.year == 2199 && usage.total == Money(minorUnits: 0, .sek))
        // Without a year: this year.
        let thisYear = try await BooksAudit.read(
            TaxReductionRoutes.CapUsage.self,
            port: service.port,
            path: "/v1/buyers/usage",
            json: #"{"personnummer": "198112189876"}"#,
            timeout: 15
        )
        #expect(thisYear.year == CalendarDate.today(at: Date()).year && thisYear.buyer == "198112189876")
        // The number is never in a path: the old route is gone.
        let oldPath = await HTTPProbe.get(port: service.port, path: "/v1/buyers/19811218-9876/usage", timeout: 15)
        #expect(oldPath?.status == 404)
        let oldPathWithYear = await HTTPProbe.get(
            port: service.port,
            path: "/v1/buyers/19811218-9876/usage?year=2026",
            timeout: 15
        )
        #expect(oldPathWithYear?.status == 404)
        try await service.stop()
    }

    /// The buyer's cap usage for `year`, read through the real read API.
    private func capUsage(port: Int, year: Int) async throws -> TaxReductionRoutes.CapUsage {
        try await BooksAudit.read(
            TaxReductionRoutes.CapUsage.self,
            port: port,
            path: "/v1/buyers/usage",
            json: #"{"personnummer": "19811218-9876", "year": \#(year)}"#,
            timeout: 15
        )
    }
}
