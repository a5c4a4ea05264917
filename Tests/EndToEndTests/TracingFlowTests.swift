import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// One payment followed across the real executables by its W3C trace context: an upstream system sends a bank file
/// in a trace of its own, and the trace reaches invoice-paid and every service that handles it, in the messages'
/// headers, in the spans exported over OTLP/HTTP to a collector, and in the services' log lines; and a read over HTTP
/// continues its caller's trace.
@Suite("End to end: a payment traced from the bank file to invoice-paid")
struct TracingFlowTests {
    @Test func aBankFilePaymentIsOneTraceAcrossTheServices() async throws {
        let collector = try await OTLPCollector()
        // Stopped even when a #require ends the test early.
        defer { Task { await collector.stop() } }
        let system = try await RunningSystem.start(
            "traced",
            extraEnvironment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_BSP_SCHEDULE_DELAY": "200", "LOG_FORMAT": "json", "LOG_LEVEL": "info",
            ]
        )
        let recorder = system.recorder
        try await system.send(
            Fixture.creditor(
                "traced",
                name: "Spårbar AB",
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: 15)
            )
        )
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        try await system.send(
            CreateInvoice(
                creditorID: "traced",
                externalID: "traced-1",
                debtor: Debtor(kind: "company", name: "Kund AB", identityNumber: "556036-0793"),
                currency: "SEK",
                invoiceDate: CalendarDate.today(at: Date()),
                lines: [.init(description: "Arbete", quantity: DecimalQuantity("2")!, unitPrice: 40_000, vatRate: 25)]
            )
        )
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        try await system.send(AttestInvoice(invoiceID: created.invoiceID))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self))
        #expect(
            await TestBroker.eventually {
                await system.get("payment-matching", "/v1/receivables/\(issued.invoiceID)")?.status == 200
            }
        )

        // The upstream system's own span: the bank file continues its trace.
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let upstreamSpanID = "00f067aa0ba902b7"
        let day = CalendarDate.today(at: Date()).description.replacingOccurrences(of: "-", with: "")
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "50501055",
                date: day,
                serial: "1",
                records: [
                    BgMaxBuilder.payment(reference: issued.ocr, amount: issued.amountDue.amount, code: 2, serial: "1")
                ]
            )
        ])
        try await system.send(
            ImportBankgiroFile(fileName: "traced.txt", latin1: file),
            traceParent: "00-\(traceID)-\(upstreamSpanID)-01"
        )
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issued.invoiceID } != nil)
        #expect(await recorder.wait(for: CaseClosed.self) { $0.invoiceID == issued.invoiceID } != nil)

        // In the headers: every message the payment caused carries the trace, each from a span of its own.
        func traceParents(of type: MessageType) -> [String] {
            recorder.deliveries.filter { $0.properties.type == type.rawValue }
                .compactMap { $0.properties.headers[MessageEnvelope.traceParentHeader]?.stringValue }
        }
        for type in [PaymentMatched.messageType, InvoicePaid.messageType, CaseClosed.messageType] {
            let parents = traceParents(of: type)
            #expect(!parents.isEmpty, "\(type) carries a traceparent")
            for parent in parents {
                let ids = try #require(MessageTracing.ids(ofTraceParent: parent), "\(parent) is W3C trace context")
                #expect(ids.traceID == traceID, "\(type) is in the bank file's trace")
                #expect(ids.spanID != upstreamSpanID)
            }
        }

        // Over HTTP: a caller's traceparent is continued by the read API's server span.
        let httpTraceID = "0af7651916cd43dd8448eb211c80319c"
        let callerSpanID = "b7ad6b7169203331"
        let read = await HTTPProbe.get(
            port: system.port("invoicing"),
            path: "/v1/invoices/\(issued.invoiceID)",
            headers: [MessageEnvelope.traceParentHeader: "00-\(httpTraceID)-\(callerSpanID)-01"]
        )
        #expect(read?.status == 200)
        // A broken trace header starts a trace of its own, and nothing of the request reaches a log line.
        let broken = await HTTPProbe.get(
            port: system.port("invoicing"),
            path: "/v1/invoices/\(issued.invoiceID)",
            headers: [
                MessageEnvelope.traceParentHeader: "00-broken", MessageEnvelope.traceStateHeader: "=",
                "Authorization": "Bearer leak-check-0123456789",
            ]
        )
        #expect(broken?.status == 200)

        // Stopping flushes the last spans to the collector.
        await system.stop()
        let served = collector.spans.filter { $0.traceID == httpTraceID }
        #expect(served.count == 1, "one server span for the request: \(served)")
        #expect(served.first?.service == "invoicing")
        #expect(served.first?.parentSpanID == callerSpanID, "a child of the caller's span")
        #expect(served.first.map { $0.kind == "SPAN_KIND_SERVER" || $0.kind == "2" } == true, "\(served)")
        #expect(served.first?.name == "GET /v1/invoices/{id}", "the route, never the id: \(served)")
        // The read with the broken header: a server span of the same route in a trace of its own, with no parent.
        let fresh = collector.spans.filter {
            $0.service == "invoicing" && $0.name == "GET /v1/invoices/{id}" && $0.traceID != httpTraceID
                && $0.traceID != traceID
        }
        #expect(fresh.count == 1 && fresh.first?.parentSpanID == nil, "\(fresh)")
        let spans = collector.spans.filter { $0.traceID == traceID }
        let byName = Dictionary(grouping: spans, by: \.name)
        let imported = try #require(
            byName["process \(ImportBankgiroFile.messageType.rawValue)"]?.first,
            "payment-matching's span for the bank file: \(spans.map(\.name))"
        )
        #expect(imported.service == "payment-matching")
        #expect(imported.parentSpanID == upstreamSpanID, "a child of the upstream span")
        // Each hop: a publish span in the sender, and the receiver's process span its child.
        for (type, sender, receivers) in [
            (PaymentMatched.messageType, "payment-matching", ["invoicing", "debt-collection"]),
            (InvoicePaid.messageType, "payment-matching", ["tax-reduction"]),
        ] {
            let published = try #require(
                byName["publish \(type.rawValue)"]?.first { $0.service == sender },
                "\(sender) publishes \(type) in the trace: \(spans.map { "\($0.service) \($0.name)" })"
            )
            for receiver in receivers {
                let processed = byName["process \(type.rawValue)"]?.first { $0.service == receiver }
                #expect(processed?.parentSpanID == published.spanID, "\(receiver) handles \(type) as its child")
            }
        }
        #expect(Set(spans.map(\.service)).isSuperset(of: RunningSystem.executables))

        // In the logs: what a service logs while it handles the payment carries the trace id.
        let logged = try RunningSystem.executables.filter { executable in
            let log = try String(contentsOf: system.folder.appendingPathComponent("\(executable).log"), encoding: .utf8)
            return log.split(separator: "\n").contains { $0.contains("\"trace_id\":\"\(traceID)\"") }
        }
        #expect(logged.contains("payment-matching"), "the bank file's log lines carry its trace id: \(logged)")
        let invoicingLog = try String(
            contentsOf: system.folder.appendingPathComponent("invoicing.log"),
            encoding: .utf8
        )
        #expect(!invoicingLog.contains("leak-check-0123456789"), "a request's headers never reach the log")
    }
}
