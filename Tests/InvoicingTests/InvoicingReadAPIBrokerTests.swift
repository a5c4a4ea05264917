import Foundation
import KvittAMQP
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

    /// Every list answers one envelope and is cut by the database: a colour filter (computed from today and the
    /// creditor's warning window) never gives a short page while matches lie further on, and `nextOffset` leads
    /// from the first page to the last.
    @Test func aListIsReadPageByPageAndAColourPagesInTheDatabase() async throws {
        let logger = TestBroker.logger("invoicing-pages")
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("pages"), logger: logger)
        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        // Five invoices of one date (listed by id then); three issued (overdue on the wall clock: red), two drafts.
        var created: [String] = []
        var issued: Set<String> = []
        for index in 0..<5 {
            try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "page-\(index)")))
            let invoice = try #require(
                await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "page-\(index)" }
            )
            created.append(invoice.invoiceID)
            guard index.isMultiple(of: 2) else { continue }
            try await publisher.publish(service.message(AttestInvoice(invoiceID: invoice.invoiceID)))
            #expect(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == invoice.invoiceID } != nil)
            issued.insert(invoice.invoiceID)
        }
        let listed = created.sorted()
        let red = listed.filter(issued.contains)
        let drafted = listed.filter { !issued.contains($0) }

        func page(_ query: String) async throws -> ListPage<BooksAudit.Invoice> {
            try await BooksAudit.read(
                ListPage<BooksAudit.Invoice>.self,
                port: service.port,
                path: "/v1/invoices?\(query)"
            )
        }
        let first = try await page("creditor=acme&colour=red&limit=2")
        #expect(first.items.count == 2 && first.limit == 2 && first.offset == 0 && first.nextOffset == 2)
        let last = try await page("creditor=acme&colour=red&limit=2&offset=2")
        #expect(last.items.count == 1 && last.nextOffset == nil)
        #expect((first.items + last.items).map(\.id) == red)
        let drafts = try await page("creditor=acme&colour=draft&limit=1&offset=1")
        #expect(drafts.items.map(\.id) == [drafted[1]] && drafts.nextOffset == nil)
        let beyond = try await page("creditor=acme&offset=5")
        #expect(beyond.items.isEmpty && beyond.nextOffset == nil && beyond.limit == PageRequest.defaultLimit)
        // A client that follows nextOffset reads every invoice once.
        let all = try await BooksAudit.pages(
            BooksAudit.Invoice.self,
            port: service.port,
            path: "/v1/invoices",
            pageSize: 2
        )
        #expect(all.map(\.id) == listed)
        // The body says null on the last page rather than leaving the field out.
        let raw = await HTTPProbe.get(port: service.port, path: "/v1/invoices?creditor=acme&offset=4", timeout: 15)
        #expect(raw?.body.contains("\"nextOffset\" : null") == true, "\(String(describing: raw?.body))")
        try await service.stop()
    }
}
