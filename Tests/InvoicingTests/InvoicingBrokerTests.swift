import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// The invoicing service built by the real host, driven through the real broker as an upstream system would.
@Suite("Invoicing through the real broker")
struct InvoicingBrokerTests {
    let logger = TestBroker.logger("invoicing")

    @Test func createAttestIssueDuplicatesRejectionsAndDocuments() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)

        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)

        // Create, then the same external id again under a new message id: one invoice.
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-77")))
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-77")))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        try await publisher.publish(service.message(AttestInvoice(invoiceID: created.invoiceID)))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self))
        #expect(issued.invoiceNumber == "1001")
        #expect(issued.ocr == "10017")
        #expect(recorder.messages(InvoiceCreated.self).count == 1)

        // A foreign invoice in EUR.
        try await publisher.publish(
            service.message(
                InvoicingHarness.invoice(
                    externalID: "order-78",
                    debtor: InvoicingHarness.foreignDebtor,
                    currency: "EUR"
                )
            )
        )
        let foreign = try #require(await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "order-78" })
        try await publisher.publish(service.message(AttestInvoice(invoiceID: foreign.invoiceID)))
        #expect(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == foreign.invoiceID } != nil)

        // Invalid: command-rejected with field errors. Malformed: dead-lettered with its reason.
        var invalid = InvoicingHarness.invoice(externalID: "order-79")
        invalid.lines[0].vatRate = 7
        try await publisher.publish(service.message(invalid, id: "invalid-1"))
        let rejected = try #require(await recorder.wait(for: InvoicingCommandRejected.self))
        #expect(rejected.rejection.commandID == "invalid-1")
        #expect(rejected.rejection.errors.map(\.field) == ["lines[0].vatRate"])
        var malformed = try service.message(InvoicingHarness.invoice(externalID: "order-80"), id: "malformed-1")
        malformed.body = Array(#"{"creditorID": "acme", "lines": "many"}"#.utf8)
        try await publisher.publish(malformed)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("dlq"), logger: logger)
        var parked: AMQPDelivery?
        _ = await TestBroker.eventually {
            parked = try? await client.perform { session in try session.get(queue: "\(service.name).dead-letter") }
            return parked != nil
        }
        #expect(parked?.properties.messageID == "malformed-1")
        #expect(parked?.properties.headers[FailureHeaders.reason]?.stringValue == "undecodable-body")
        await client.stop()

        // The read API: the invoice with its history, lists, and the documents.
        let view = try #require(await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(created.invoiceID)"))
        #expect(view.status == 200)
        // Dated 2026-03-02 with 30 days' terms and read on the wall clock, so it is overdue: red.
        #expect(view.body.contains("\"colour\" : \"red\""))
        #expect(view.body.contains("\"event\" : \"issued\""))
        let list = try #require(
            await HTTPProbe.get(port: service.port, path: "/v1/invoices?creditor=acme&status=issued")
        )
        #expect(list.body.contains(created.invoiceID) && list.body.contains(foreign.invoiceID))
        let byDebtor = try #require(await HTTPProbe.get(port: service.port, path: "/v1/invoices?debtor=198112189876"))
        #expect(byDebtor.body.contains(created.invoiceID) && !byDebtor.body.contains(foreign.invoiceID))
        #expect(await HTTPProbe.get(port: service.port, path: "/v1/invoices/nope")?.status == 404)

        let domestic = try #require(
            await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(created.invoiceID)/document")
        )
        #expect(domestic.status == 200)
        for expected in [
            "<h1>Faktura</h1>", "Fakturanummer", "1001", "OCR-nummer", "10017", "5050-1055", "Förfallodatum",
            "Moms 25 %", "Anna Andersson", "Acme Bygg AB",
        ] {
            #expect(domestic.body.contains(expected), "domestic document shows \(expected)")
        }
        #expect(!domestic.body.contains("IBAN"))
        let english = try #require(
            await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(foreign.invoiceID)/document")
        )
        for expected in [
            "<h1>Invoice</h1>", "IBAN", "SE45 5000 0000 0583 9825 7466", "BIC", "ESSESESS", "EUR", "Müller GmbH",
        ] {
            #expect(english.body.contains(expected), "foreign document shows \(expected)")
        }
        #expect(!english.body.contains("bankgiro"))

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}

@Suite("Invoice documents")
struct InvoiceDocumentTests {
    @Test func creditAndROTDocumentsShowTheirMarkings() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try await harness.issuedROTInvoice(materialPrice: 800_333)
        let queries = InvoiceQueries(writer: harness.store.writer)
        let view = try #require(try await queries.invoice(created.invoiceID, today: CalendarDate("2026-03-02")!))
        let html = InvoiceDocument.render(
            view,
            creditorName: "Acme Bygg AB",
            creditorOrganisationNumber: "556677-8899",
            originalNumber: nil
        )
        #expect(html.contains("Skattereduktion (ROT, 1 köpare)"))
        #expect(html.contains("−3\u{00A0}750,00\u{00A0}SEK"), "Swedish documents use a decimal comma")
        #expect(html.contains("Org.nr 556677-8899 · Momsreg.nr SE556677889901"))
        #expect(html.contains("Köpare: 19811218-9876"))
        #expect(html.contains("Fastighetsbeteckning: Kåbo 1:1"))
        #expect(html.contains("Bygg 20 h"))
        #expect(html.contains("Öresavrundning"))
        #expect(html.contains("(ROT: Bygg)"))

        let credit = try #require(
            try await harness.send(CreateCreditInvoice(originalInvoiceID: created.invoiceID, externalID: "k-1"))
                .first(InvoiceCreated.self)
        )
        try await harness.send(AttestInvoice(invoiceID: credit.invoiceID))
        let creditView = try #require(try await queries.invoice(credit.invoiceID, today: CalendarDate("2026-03-02")!))
        let creditHTML = InvoiceDocument.render(creditView, creditorName: "Acme Bygg AB", originalNumber: "1001")
        #expect(creditHTML.contains("<h1>K – Kreditfaktura</h1>"))
        #expect(creditHTML.contains("Krediterar faktura 1001"))
        #expect(InvoiceDocument.escape("<b>&\"") == "&lt;b&gt;&amp;&quot;")
    }
}
