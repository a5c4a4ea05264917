import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// Start order does not matter: each real service declares the whole system's queues from the catalogue at start.
@Suite("Topology: an event published before its consumer ever ran reaches it")
struct TopologyStartOrderTests {
    static let logger = TestBroker.logger("start-order")

    /// Invoicing runs alone; an invoice is created and attested. Payment-matching has never run, yet its queue holds
    /// the invoice-issued event, and once it starts it opens the receivable.
    @Test func anInvoiceIssuedBeforePaymentMatchingStartsReachesIt() async throws {
        let exchange = TestBroker.uniqueName("start-order")
        let processes = ServiceProcesses(
            executables: ["invoicing", "payment-matching"],
            exchange: exchange,
            folder: try TestBroker.temporaryDirectory(),
            broker: TestBroker.url,
            environment: ["KVITT_DECLARE_PEERS": "on"]
        )
        let system = SystemTopology(
            exchange: exchange,
            deadLetterExchange: processes.deadLetterExchange,
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            queueSuffix: "-\(exchange)"
        )
        try await processes.start("invoicing")
        let created = try await EventRecorder(exchange: exchange, patterns: [InvoiceCreated.messageType.rawValue])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: Self.logger)
        func send(_ type: MessageType, _ body: [UInt8]) async throws {
            try await publisher.publish(
                AMQPOutgoingMessage(
                    exchange: exchange,
                    routingKey: type.rawValue,
                    properties: AMQPProperties(envelope: MessageEnvelope(type: type, appID: "upstream")),
                    body: body
                )
            )
        }
        let seeds = TestBroker.repositoryRoot.appendingPathComponent("seeds/demo")
        try await send(
            RegisterCreditor.messageType,
            Array(try Data(contentsOf: seeds.appendingPathComponent("01-register-creditor.json")))
        )
        try await send(
            CreateInvoice.messageType,
            Array(try Data(contentsOf: seeds.appendingPathComponent("02-invoice-domestic.json")))
        )
        let invoice = try #require(await created.wait(for: InvoiceCreated.self), "invoicing created the invoice")
        try await send(AttestInvoice.messageType, try MessageCoding.encode(AttestInvoice(invoiceID: invoice.invoiceID)))

        // Nothing consumes payment-matching's queue yet: the event waits there (invoicing declared the queue).
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: Self.logger)
        let matchingQueue = system.queueName(of: .paymentMatching)
        let waiting = await TestBroker.eventually(timeout: .seconds(15)) {
            let messages = try? await client.perform { session in
                try session.declare(AMQPQueue(name: matchingQueue), passive: true).messages
            }
            // creditor-registered is not payment-matching's; invoice-issued is.
            return (messages ?? 0) >= 1
        }
        #expect(waiting, "invoice-issued waits in \(matchingQueue)")

        try await processes.start("payment-matching")
        let receivable = await TestBroker.eventually(timeout: .seconds(15)) {
            await HTTPProbe.get(port: processes.port("payment-matching"), path: "/v1/receivables/\(invoice.invoiceID)")?
                .status == 200
        }
        #expect(receivable, "payment-matching opened the receivable from the event published before it started")

        for (executable, status) in await processes.terminateAll() {
            #expect(status == 0, "\(executable) exits cleanly")
        }
        await created.stop()
        await publisher.stop()
        await client.stop()
        await TestBroker.cleanUp(
            services: KvittService.allCases.map(system.queueName),
            retryPolicy: system.retryPolicy,
            exchanges: [exchange, processes.deadLetterExchange, system.unroutedExchange]
        )
        await TestBroker.cleanUp(queues: [system.unroutedExchange])
    }
}
