import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection
@testable import Invoicing
@testable import Kvitt
@testable import PaymentMatching
@testable import TaxReduction

@Suite("kvitt topology declare")
struct TopologyTests {
    /// The CLI's table of consumed types must be exactly what the services register.
    @Test func theCLIKnowsWhatEachServiceConsumes() {
        var invoicing = HandlerRegistry()
        InvoicingService.registerHandlers(&invoicing)
        var matching = HandlerRegistry()
        PaymentMatchingService.registerHandlers(&matching)
        var collection = HandlerRegistry()
        DebtCollectionService.registerHandlers(&collection, rates: .riksbank)
        var reduction = HandlerRegistry()
        TaxReductionService.registerHandlers(&reduction)
        let registered = [
            "invoicing": invoicing.messageTypes, "payment-matching": matching.messageTypes,
            "debt-collection": collection.messageTypes, "tax-reduction": reduction.messageTypes,
        ]
        for (service, types) in registered {
            #expect(TopologyCommand.consumedTypes[service]?.sorted() == types, "\(service)")
        }
    }

    /// Declared ahead of the services, the topology keeps an upstream command until its service starts.
    @Test func declaredTopologyRoutesCommandsBeforeTheServicesRun() async throws {
        let exchange = TestBroker.uniqueName("topology")
        let deadLetters = TestBroker.uniqueName("topology-dlx")
        let topologies = TopologyCommand.topologies(
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchange: exchange,
            deadLetterExchange: deadLetters
        )
        // Declared under test names: the real service queues may exist on this broker with other bindings.
        let renamed = topologies.map {
            ServiceTopology(
                serviceName: TestBroker.uniqueName($0.serviceName),
                messageTypes: $0.messageTypes,
                retryPolicy: $0.retryPolicy,
                exchange: exchange,
                deadLetterExchange: deadLetters
            )
        }
        let client = AMQPClient(
            url: TestBroker.url,
            options: TestBroker.options("topology"),
            logger: TestBroker.logger("t")
        )
        for topology in renamed {
            let declaration = topology.amqpTopology
            try await client.perform { session in try session.declare(declaration) }
        }
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("up"),
            logger: TestBroker.logger("t")
        )
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: InvoiceIssued.messageType.rawValue,
                properties: AMQPProperties(envelope: MessageEnvelope(type: InvoiceIssued.messageType)),
                body: Array("{}".utf8)
            )
        )
        // invoice-issued goes to payment-matching, debt-collection and tax-reduction, not to invoicing.
        for topology in renamed {
            let waiting = try await client.perform { session in
                try session.declare(AMQPQueue(name: topology.queue), passive: true).messages
            }
            #expect(waiting == (topology.serviceName.hasPrefix("invoicing") ? 0 : 1), "\(topology.serviceName)")
        }
        await publisher.stop()
        await client.stop()
        await TestBroker.cleanUp(
            queues: renamed.flatMap { [$0.queue, $0.deadLetterQueue, $0.retryQueue(for: .seconds(1))] },
            exchanges: [exchange, deadLetters]
        )
    }
}
