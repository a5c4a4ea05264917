import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import Invoicing

/// The read API of the invoicing service built by the real host (which needs the broker to become ready).
@Suite("Invoicing's read API through the real host")
struct InvoicingReadAPIBrokerTests {
    @Test func badQueryParametersAreAnswered400NamingTheParameter() async throws {
        let service = try await InProcessService.start(
            InvoicingService.definition,
            logger: TestBroker.logger("invoicing-http")
        )
        let refused: [(path: String, parameter: String)] = [
            ("/v1/invoices?closedTo=9999-12-31", "closedTo"), ("/v1/invoices?closedFrom=0001-01-01", "closedFrom"),
            ("/v1/invoices?from=2026-02-30", "from"), ("/v1/invoices?to=soon", "to"),
            ("/v1/invoices?status=paid", "status"), ("/v1/invoices?colour=purple", "colour"),
            ("/v1/invoices?limit=-1", "limit"), ("/v1/invoices?limit=100000", "limit"),
            ("/v1/invoices?offset=99999999999999999999", "offset"), ("/v1/invoices?creditor=", "creditor"),
            ("/v1/invoices?colur=red", "colur"), ("/v1/invoices?status=draft&status=issued", "status"),
            ("/v1/invoices/some-id?format=pdf", "format"), ("/v1/invoices/some-id/document?x=1", "x"),
        ]
        for (path, parameter) in refused {
            let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15), "\(path)")
            #expect(answer.status == 400, "\(path): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == parameter, "\(path): \(answer.body)")
            #expect(body?.error.message.isEmpty == false)
        }
        let edges = "/v1/invoices?closedFrom=1900-01-01&closedTo=2199-12-31&limit=5000&offset=0&status=closed"
        let answered = await HTTPProbe.get(port: service.port, path: edges, timeout: 15)
        #expect(answered?.status == 200 && answered?.body.contains("[") == true, "\(String(describing: answered))")
        #expect(
            await HTTPProbe.get(port: service.port, path: "/health/live", timeout: 15)?.status == 200,
            "still serving"
        )
        try await service.stop()
    }
}
