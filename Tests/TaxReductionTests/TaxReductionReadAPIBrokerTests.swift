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
        let usage = "/v1/buyers/19811218-9876/usage"
        let refused: [(path: String, parameter: String)] = [
            ("/v1/claims?status=paid", "status"), ("/v1/claims?state=claimed", "state"),
            ("\(usage)?year=99999", "year"), ("\(usage)?year=abc", "year"), ("\(usage)?year=-1", "year"),
            ("/v1/buyers/19811218-0000/usage", "personnummer"), ("/v1/claim-files?kind=rot", "kind"),
        ]
        for (path, parameter) in refused {
            let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15), "\(path)")
            #expect(answer.status == 400, "\(path): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == parameter, "\(path): \(answer.body)")
        }
        #expect(await HTTPProbe.get(port: service.port, path: "/v1/claims?status=claimed", timeout: 15)?.status == 200)
        #expect(await HTTPProbe.get(port: service.port, path: "\(usage)?year=2199", timeout: 15)?.status == 200)
        try await service.stop()
    }
}
