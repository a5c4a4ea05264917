import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection
@testable import Delivery
@testable import Invoicing
@testable import Kvitt
@testable import PaymentMatching
@testable import TaxReduction

@Suite("kvitt topology: the catalogue is the one list of who consumes what")
struct TopologyTests {
    /// A delivery limit outside what the services accept is refused before the broker is asked, as the services
    /// refuse `AMQP_DELIVERY_LIMIT` out of range.
    @Test(arguments: ["0", "1", "1001", "-5"])
    func aDeliveryLimitOutOfRangeIsRefused(limit: String) async throws {
        let run = try await ExecutableRun.run(
            "kvitt",
            ["topology", "declare", "--delivery-limit", limit],
            environment: ["AMQP_URL": "amqp://127.0.0.1:1/"]
        )
        #expect(run.status != 0)
        #expect(run.errors.contains("--delivery-limit"), "\(run.errors)")
        #expect(!run.errors.contains("connect"), "refused before the broker is asked: \(run.errors)")
    }

    /// What each service's handler registry holds, registered as the service registers it at start.
    static func registered(_ service: KvittService) -> [MessageType] {
        var registry = HandlerRegistry()
        switch service {
        case .invoicing: InvoicingService.registerHandlers(&registry)
        case .paymentMatching: PaymentMatchingService.registerHandlers(&registry)
        case .debtCollection: DebtCollectionService.registerHandlers(&registry, rates: .riksbank)
        case .taxReduction: TaxReductionService.registerHandlers(&registry)
        case .delivery: DeliveryService.registerHandlers(&registry)
        }
        return registry.messageTypes
    }

    @Test(arguments: KvittService.allCases)
    func everyServiceHandlesExactlyItsCatalogueEntry(_ service: KvittService) {
        let registered = Self.registered(service)
        let listed = service.consumedTypes
        #expect(
            Set(registered).subtracting(listed).sorted() == [],
            "\(service) handles types the catalogue does not list for it (add them to MessageCatalogue)"
        )
        #expect(
            Set(listed).subtracting(registered).sorted() == [],
            "the catalogue lists types \(service) has no handler for"
        )
    }

    @Test func theCatalogueListsEveryTypeOnceAndItsServicesAreTheDeadLetterServices() {
        let names = MessageCatalogue.entries.map(\.messageType)
        #expect(Set(names).count == names.count, "each type once")
        #expect(Set(DeadLetterOperations.knownServices) == Set(KvittService.allCases.map(\.rawValue)))
        #expect(
            MessageCatalogue.consumers(of: InvoiceIssued.messageType) == [
                .debtCollection, .delivery, .paymentMatching, .taxReduction,
            ]
        )
    }

    @Test func aPeerIsDeclaredWithoutItsWaitQueuesAndTheSystemNamingIsRecognised() {
        let system = SystemTopology(retryPolicy: RetryPolicy(delays: [.seconds(1), .seconds(10)]))
        let peer = system.peerTopology(.paymentMatching)
        #expect(peer.queues.map(\.name) == ["payment-matching", "payment-matching.dead-letter"])
        #expect(
            Set(peer.bindings.map(\.routingKey))
                == Set(KvittService.paymentMatching.consumedTypes.map(\.rawValue)).union(["payment-matching"])
        )
        #expect(system.sharedTopology.exchanges.map(\.name) == ["kvitt", "kvitt.dead-letter", "kvitt.unrouted"])
        func suffix(_ name: String, _ exchange: String) -> String? {
            SystemTopology.of(
                .invoicing,
                queueName: name,
                exchange: exchange,
                deadLetterExchange: "dlx",
                retryPolicy: .standard,
                deliveryLimit: 20
            )?.queueSuffix
        }
        #expect(suffix("invoicing", "kvitt") == "")
        #expect(suffix("invoicing-e2e-x", "e2e-x") == "-e2e-x")
        #expect(suffix("invoicing.p3", "kvitt") == nil, "a partition does not know its peers' names")
        #expect(suffix("invoicing-1a2b3c", "kvitt-9f8e") == nil, "nor does a test's unique copy")
    }

    /// The real `kvitt topology declare`, ahead of the services: an upstream command and an event wait in exactly
    /// their consumers' queues.
    @Test func declaredTopologyRoutesCommandsBeforeTheServicesRun() async throws {
        let exchange = TestBroker.uniqueName("topology")
        let deadLetters = "\(exchange).dead-letter"
        let system = SystemTopology(
            exchange: exchange,
            deadLetterExchange: deadLetters,
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            queueSuffix: "-\(exchange)"
        )
        let declared = try await CLIRunner.run(
            ["topology", "declare", "--queue-suffix=-\(exchange)"],
            environment: [
                "AMQP_URL": TestBroker.url.environmentValue, "AMQP_EXCHANGE": exchange,
                "AMQP_DEAD_LETTER_EXCHANGE": deadLetters, "RETRY_DELAYS": "1s",
            ]
        )
        #expect(declared.status == 0, "kvitt topology declare: \(declared.output) \(declared.errors)")
        #expect(declared.output.contains("payment-matching-\(exchange): 3 queues"))
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("up"),
            logger: TestBroker.logger("t")
        )
        for type in [InvoiceIssued.messageType, InvoicingCommandRejected.messageType] {
            try await publisher.publish(
                AMQPOutgoingMessage(
                    exchange: exchange,
                    routingKey: type.rawValue,
                    properties: AMQPProperties(envelope: MessageEnvelope(type: type)),
                    body: Array("{}".utf8),
                    // No policy makes kvitt.unrouted this test exchange's alternate exchange: not mandatory, or the
                    // rejection would come back.
                    mandatory: false
                )
            )
        }
        let client = AMQPClient(
            url: TestBroker.url,
            options: TestBroker.options("topology"),
            logger: TestBroker.logger("t")
        )
        // invoice-issued goes to payment-matching, debt-collection and tax-reduction, not to invoicing.
        for service in KvittService.allCases {
            let queue = system.queueName(of: service)
            let waiting = try await client.perform { session in
                try session.declare(AMQPQueue(name: queue), passive: true).messages
            }
            #expect(waiting == (service == .invoicing ? 0 : 1), "\(queue)")
        }
        await publisher.stop()
        await client.stop()
        await TestBroker.cleanUp(
            services: KvittService.allCases.map(system.queueName),
            retryPolicy: system.retryPolicy,
            exchanges: [exchange, deadLetters, system.unroutedExchange]
        )
        await TestBroker.cleanUp(queues: [system.unroutedExchange])
    }

    @Test func showPrintsTheCatalogue() async throws {
        let shown = try await CLIRunner.run(["topology", "show", "--json"], environment: [:])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: [String]]
        )
        for service in KvittService.allCases {
            #expect(object[service.rawValue] == service.consumedTypes.map(\.rawValue))
        }
    }
}
