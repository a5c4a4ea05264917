import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// Events no queue is bound to: the exchange's alternate exchange (set by a broker policy, as in production) keeps
/// them in `<exchange>.unrouted`, and `kvitt unrouted republish` delivers them once a queue is bound.
@Suite("Unrouted events: the alternate exchange and kvitt unrouted")
struct UnroutedTests {
    static let logger = TestBroker.logger("unrouted")

    @Test func anEventWithNoConsumerIsKeptAndRepublishedOnceAQueueIsBound() async throws {
        let exchange = TestBroker.uniqueName("unrouted")
        let unrouted = SystemTopology.unroutedExchange(of: exchange)
        let policy = TestBroker.uniqueName("ae")
        try await TestBroker.control(
            "ctl",
            "set_policy",
            "--apply-to",
            "exchanges",
            policy,
            "^\(exchange)$",
            #"{"alternate-exchange":"\#(unrouted)"}"#
        )
        let processes = ServiceProcesses(
            executables: ["invoicing"],
            exchange: exchange,
            folder: try TestBroker.temporaryDirectory(),
            broker: TestBroker.url
        )
        let environment = [
            "AMQP_URL": TestBroker.url.environmentValue, "AMQP_EXCHANGE": exchange,
            "AMQP_DEAD_LETTER_EXCHANGE": processes.deadLetterExchange, "HOME": processes.folder.path,
        ]
        func kvitt(_ arguments: String...) async throws -> CLIRunner.Result {
            try await CLIRunner.run(arguments, environment: environment)
        }
        // The real invoicing, which declares kvitt.unrouted with the rest of the system at start.
        try await processes.start("invoicing")
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: Self.logger)
        // Attesting an invoice that does not exist: invoicing answers with invoicing.command-rejected.v1, which no
        // Kvitt service consumes.
        let rejectedID = try await publishAttestOfUnknownInvoice(publisher, exchange: exchange)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: Self.logger)
        func waiting(_ queue: String) async -> UInt32? {
            try? await client.perform { session in try session.declare(AMQPQueue(name: queue), passive: true).messages }
        }
        #expect(
            await TestBroker.eventually(timeout: .seconds(15)) { await waiting(unrouted) == 1 },
            "kept in \(unrouted)"
        )
        let listed = try await kvitt("unrouted", "list")
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(listed.output.contains(InvoicingCommandRejected.messageType.rawValue))
        #expect(listed.output.contains("1 unrouted message(s)"))

        // Still nobody bound: republishing sends it back where it was, and says so.
        let early = try await kvitt("unrouted", "republish", "--all")
        #expect(early.status == 0, "\(early.output) \(early.errors)")
        #expect(early.output.contains("delivered 0, still unroutable 1"), "\(early.output)")
        #expect(await waiting(unrouted) == 1)

        // An outside subscriber binds its own queue; the republished event reaches it, once.
        let subscriber = TestBroker.uniqueName("subscriber")
        try await client.perform { session in
            try session.declare(.quorum(subscriber))
            try session.bind(
                AMQPBinding(
                    queue: subscriber,
                    exchange: exchange,
                    routingKey: InvoicingCommandRejected.messageType.rawValue
                )
            )
        }
        let republished = try await kvitt(
            "unrouted",
            "republish",
            "--type",
            InvoicingCommandRejected.messageType.rawValue
        )
        #expect(republished.status == 0, "\(republished.output) \(republished.errors)")
        #expect(republished.output.contains("delivered 1, still unroutable 0"), "\(republished.output)")
        #expect(await waiting(unrouted) == 0)
        let delivered = try await client.perform { session in try session.get(queue: subscriber) }
        #expect(delivered?.properties.messageID == rejectedID, "the same event, with its message id")
        #expect(delivered?.routingKey == InvoicingCommandRejected.messageType.rawValue)

        for (executable, status) in await processes.terminateAll() {
            #expect(status == 0, "\(executable) exits cleanly")
        }
        await publisher.stop()
        await client.stop()
        try? await TestBroker.control("ctl", "clear_policy", policy)
        await TestBroker.cleanUp(
            services: KvittService.allCases.map { "\($0.rawValue)-\(exchange)" },
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchanges: [exchange, processes.deadLetterExchange, unrouted]
        )
        await TestBroker.cleanUp(queues: [unrouted, subscriber])
    }

    /// Publishes an attest command for an invoice nobody created and returns the message id of invoicing's
    /// rejection, read from the outbox's event as the unrouted queue shows it.
    func publishAttestOfUnknownInvoice(_ publisher: AMQPPublisher, exchange: String) async throws -> String {
        let command = MessageEnvelope(type: AttestInvoice.messageType, appID: "upstream")
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: AttestInvoice.messageType.rawValue,
                properties: AMQPProperties(envelope: command),
                body: try MessageCoding.encode(AttestInvoice(invoiceID: "no-such-invoice"))
            )
        )
        // The rejection's id is not known in advance; take it from the unrouted queue without removing it.
        let unrouted = SystemTopology.unroutedExchange(of: exchange)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("peek"), logger: Self.logger)
        defer { Task { await client.stop() } }
        var id: String?
        _ = await TestBroker.eventually(timeout: .seconds(15)) {
            id = try? await client.perform { session -> String? in
                guard let delivery = try session.get(queue: unrouted) else { return nil }
                try session.nack(deliveryTag: delivery.deliveryTag, requeue: true)
                return delivery.properties.messageID
            }
            return id != nil
        }
        return try #require(id)
    }
}
