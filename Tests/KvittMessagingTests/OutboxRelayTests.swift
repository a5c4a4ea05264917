import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

@Suite("Outbox relay: exactly one publish per committed event")
struct OutboxRelayTests {
    let logger = TestBroker.logger("outbox")

    func storeWithEvents(_ count: Int) async throws -> MessageStore {
        let store = try MessageStore(writer: DatabaseQueue(), migrations: { ProbeService.migrations(&$0) })
        var registry = HandlerRegistry()
        ProbeService.register(&registry)
        let processor = MessageProcessor(serviceName: "probe", registry: registry, store: store, logger: logger)
        let messages = try (0..<count).map { try InMemoryBus.incoming(Probe.ApplyEffect(key: "k\($0)", amount: 1)) }
        #expect(await processor.process(messages).allSatisfy { $0 == .processed })
        return store
    }

    @Test func relayThatStopsBeforePublishingLosesNothing() async throws {
        let store = try await storeWithEvents(3)
        let bus = InMemoryBus()
        // The first relay dies before anything is confirmed: every publish fails.
        bus.failNextPublishes(with: [.shutdown, .shutdown, .shutdown])
        let first = OutboxRelay(store: store, publisher: bus, logger: logger)
        #expect(try await first.relayOnce() == 0)
        #expect(try await store.outboxBacklog() == 3)
        // The restarted relay publishes each event once, and a further pass publishes nothing.
        let second = OutboxRelay(store: store, publisher: bus, logger: logger)
        #expect(try await second.relayOnce() == 3)
        #expect(try await second.relayOnce() == 0)
        #expect(try bus.published(Probe.EffectApplied.self).map(\.key) == ["k0", "k1", "k2"])
        #expect(try await store.outboxBacklog() == 0)
    }

    @Test func unroutableEventIsParkedNotRetriedForever() async throws {
        let store = try await storeWithEvents(2)
        let bus = InMemoryBus()
        bus.failNextPublishes(with: [.unroutable(code: 312, text: "NO_ROUTE")])
        let relay = OutboxRelay(store: store, publisher: bus, logger: logger)
        #expect(try await relay.relayOnce() == 1)
        #expect(try await relay.relayOnce() == 0)
        let parked = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT failure FROM kvitt_outbox WHERE status = 'unroutable'")
        }
        #expect(parked == ["312 NO_ROUTE"])
    }

    /// Real broker: a relay crash between publish and marking the row re-sends it with the same message id, and
    /// the consuming service's inbox turns the second copy into a no-op.
    @Test func republishAfterCrashIsAbsorbedByTheConsumersInbox() async throws {
        let store = try await storeWithEvents(5)
        let exchange = TestBroker.uniqueName("kvitt")
        let queue = TestBroker.uniqueName("events")
        let topology = AMQPTopology(
            exchanges: [AMQPExchange(name: exchange, kind: .topic, durable: false)],
            queues: [.quorum(queue)],
            bindings: [
                AMQPBinding(queue: queue, exchange: exchange, routingKey: Probe.EffectApplied.messageType.rawValue)
            ]
        )
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            logger: logger
        )
        let relay = OutboxRelay(store: store, publisher: publisher, exchange: exchange, logger: logger)
        #expect(try await relay.relayOnce() == 5)
        // The crash: the rows are published but their marks are lost.
        try await store.writer.write { db in try db.execute(sql: "UPDATE kvitt_outbox SET status = 'pending'") }
        #expect(try await relay.relayOnce() == 5)
        await publisher.stop()

        // A downstream service with an inbox sees ten deliveries and applies five.
        struct Downstream: MessageHandler {
            func handle(_ message: Probe.EffectApplied, context: HandlerContext) throws {
                try context.db.execute(sql: "INSERT INTO seen(key) VALUES (?)", arguments: [message.key])
            }
        }
        let downstreamStore = try MessageStore(writer: DatabaseQueue()) { migrator in
            migrator.registerMigration("seen") { db in try db.execute(sql: "CREATE TABLE seen(key TEXT NOT NULL)") }
        }
        var registry = HandlerRegistry()
        registry.register(Downstream())
        let processor = MessageProcessor(
            serviceName: "downstream",
            registry: registry,
            store: downstreamStore,
            logger: logger
        )
        let consumer = AMQPConsumer(
            url: TestBroker.url,
            options: TestBroker.options("down"),
            queues: [queue],
            prefetch: 50,
            logger: logger
        )
        var outcomes: [ProcessingOutcome] = []
        for await batch in consumer.batches {
            outcomes += await processor.process(batch.map(IncomingMessage.init(delivery:)))
            consumer.ack(batch.last!, multiple: true)
            if outcomes.count >= 10 { break }
        }
        await consumer.stop()
        #expect(outcomes.filter { $0 == .processed }.count == 5)
        #expect(outcomes.filter { $0 == .duplicate }.count == 5)
        let seen = try await downstreamStore.writer.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM seen ORDER BY key")
        }
        #expect(seen == ["k0", "k1", "k2", "k3", "k4"])
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cleanup"), logger: logger)
        try await client.perform { session in
            try session.deleteQueue(queue)
            try session.deleteExchange(exchange)
        }
        await client.stop()
    }
}
