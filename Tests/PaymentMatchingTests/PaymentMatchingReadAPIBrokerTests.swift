import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

/// The read API of the payment-matching service built by the real host (which needs the broker to become ready).
@Suite("Payment-matching's read API through the real host")
struct PaymentMatchingReadAPIBrokerTests {
    @Test func badQueryParametersAreAnswered400NamingTheParameter() async throws {
        let service = try await InProcessService.start(
            PaymentMatchingService.definition,
            logger: TestBroker.logger("payment-matching-http")
        )
        let report = "/v1/reports/payments"
        let refused: [(path: String, parameter: String)] = [
            ("\(report)?from=0001-01-01&to=2026-12-31", "from"), ("\(report)?from=2026-01-01&to=9999-12-31", "to"),
            ("\(report)?from=2026-03-31&to=2026-03-01", "to"), ("\(report)?to=2026-03-01", "from"),
            ("\(report)?from=2026-03-01&to=2026-03-31&format=xml", "format"),
            ("/v1/receivables", "creditor"), ("/v1/receivables?creditor=acme&open=yes", "open"),
            ("/v1/payments/unmatched?limit=0", "limit"), ("/v1/payments/overpayments?x=1", "x"),
            ("/v1/receivables/inv-1?open=true", "open"),
        ]
        for (path, parameter) in refused {
            let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15), "\(path)")
            #expect(answer.status == 400, "\(path): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == parameter, "\(path): \(answer.body)")
        }
        let edges = "\(report)?from=1900-01-01&to=2199-12-31&format=csv"
        #expect(await HTTPProbe.get(port: service.port, path: edges, timeout: 15)?.status == 200)
        #expect(
            await HTTPProbe.get(port: service.port, path: "/v1/receivables?creditor=acme&open=false", timeout: 15)?
                .status == 200
        )
        try await service.stop()
    }
}
