import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Synchronization
import Testing

@testable import KvittMessaging

/// A database that refuses writes (here: full, through SQLite's `max_page_count`) is not the messages' fault: they wait
/// unacknowledged, readiness turns red, and they are processed once the database takes writes again.
@Suite("Database faults hold messages instead of dead-lettering them")
struct DatabaseFaultTests {
    let logger = TestBroker.logger("database-fault")

    static func fill(_ store: MessageStore) async throws {
        try await store.writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    static func makeRoom(_ store: MessageStore) async throws {
        try await store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA max_page_count = 1073741823")
        }
    }

    @Test func aFullDatabaseIsADatabaseFaultNotAMessageFailure() async throws {
        let store = try MessageStore(writer: DatabaseQueue(), migrations: { ProbeService.migrations(&$0) })
        var registry = HandlerRegistry()
        ProbeService.register(&registry, attempts: FlakyAttempts())
        let processor = MessageProcessor(
            serviceName: "probe",
            registry: registry,
            store: store,
            clock: ManualClock(),
            logger: Logger(label: "test")
        )
        #expect(
            await processor.process([try InMemoryBus.incoming(Probe.ApplyEffect(key: "a", amount: 1))]) == [.processed]
        )
        try await Self.fill(store)
        let big = try InMemoryBus.incoming(Probe.ApplyEffect(key: String(repeating: "k", count: 20_000), amount: 1))
        let outcomes = await processor.process([big])
        guard case .databaseUnavailable(let detail) = outcomes[0] else {
            Issue.record("expected databaseUnavailable, got \(outcomes)")
            return
        }
        #expect(detail.contains("full"), "\(detail)")
        try await Self.makeRoom(store)
        #expect(await processor.process([big]) == [.processed])
    }

    @Test func aFullDiskPausesConsumingAndNothingIsDeadLettered() async throws {
        // The service's own database connection: SQLite's page limit is a setting of the connection that writes.
        var definition = ProbeService.definition(name: "diskfull", handlerDelay: .zero)
        let registerHandlers = definition.handlers
        let serviceStore = Mutex<MessageStore?>(nil)
        definition.handlers = { registry, context in
            serviceStore.withLock { $0 = context.store }
            registerHandlers(&registry, context)
        }
        let service = try await InProcessService.start(
            definition,
            environment: ["RETRY_DELAYS": "100ms"],
            logger: logger
        )
        let store = try #require(serviceStore.withLock { $0 })
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        try await publisher.publish(try service.message(Probe.ApplyEffect(key: "before", amount: 1)))
        func tally() async throws -> [String: (total: Int64, applications: Int)] {
            try await service.store.writer.read { db in try ProbeService.tally(db) }
        }
        #expect(try await TestBroker.eventually { try await tally()["before"] != nil })
        try await Self.fill(store)
        let keys = (0..<3).map { "big-\($0)-" + String(repeating: "k", count: 20_000) }
        for result in await publisher.publish(
            batch: try keys.map { try service.message(Probe.ApplyEffect(key: $0, amount: 2)) }
        ) {
            try result.get()
        }
        #expect(
            await TestBroker.eventually(timeout: .seconds(10)) {
                let ready = await HTTPProbe.get(port: service.port, path: "/health/ready")
                return ready?.status == 503 && ready?.body.contains("database") == true
            },
            "readiness turns red while the database refuses writes"
        )
        // Long enough for every retry tier (100 ms) to have been used many times over, were they used.
        try await Task.sleep(for: .seconds(1))
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("dlq"), logger: logger)
        let parked = try await client.perform { session in
            try session.declare(.quorum("\(service.name).dead-letter"), passive: true).messages
        }
        #expect(parked == 0, "a full disk dead-letters nothing")
        #expect(try await tally().keys.filter { $0.hasPrefix("big-") }.isEmpty)

        try await Self.makeRoom(store)
        #expect(
            try await TestBroker.eventually(timeout: .seconds(15)) {
                try await tally().keys.filter { $0.hasPrefix("big-") }.count == 3
            }
        )
        #expect(
            await TestBroker.eventually(timeout: .seconds(5)) {
                await HTTPProbe.get(port: service.port, path: "/health/ready")?.status == 200
            }
        )
        let parkedAfter = try await client.perform { session in
            try session.declare(.quorum("\(service.name).dead-letter"), passive: true).messages
        }
        #expect(parkedAfter == 0)
        await client.stop()
        await publisher.stop()
        try await service.stop()
    }
}

@Suite("Retention: old inbox and sent outbox rows are deleted in small transactions")
struct RetentionTests {
    @Test func rowsPastRetentionGoAndEverythingElseStays() async throws {
        let store = try MessageStore(writer: DatabaseQueue())
        let clock = ManualClock()
        let now = clock.now().timeIntervalSince1970
        let day = 86_400.0
        try await store.writer.write { db in
            for index in 0..<2_500 {
                try MessageStore.recordInInbox(
                    "old-\(index)",
                    type: "a.b.v1",
                    at: Date(timeIntervalSince1970: now - 20 * day),
                    db
                )
            }
            try MessageStore.recordInInbox("recent", type: "a.b.v1", at: Date(timeIntervalSince1970: now - day), db)
            for (id, status, sentAt) in [
                ("sent-old", Outbox.sent, now - 10 * day), ("sent-new", Outbox.sent, now - day),
                ("refused-old", Outbox.refused, now - 10 * day), ("pending", Outbox.pending, nil),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO kvitt_outbox (message_id, type, created_at, body, status, sent_at)
                        VALUES (?, 'a.b.v1', ?, x'7b7d', ?, ?)
                        """,
                    arguments: [id, now - 10 * day, status, sentAt]
                )
            }
        }
        let sweeper = RetentionSweeper(
            store: store,
            clock: clock,
            inboxRetention: .seconds(14 * 86_400),
            outboxRetention: .seconds(7 * 86_400),
            logger: Logger(label: "test")
        )
        let swept = try await sweeper.sweep()
        #expect(swept.inbox == 2_500 && swept.outbox == 1)
        let inbox = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT message_id FROM kvitt_inbox")
        }
        #expect(inbox == ["recent"])
        let outbox = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT message_id FROM kvitt_outbox ORDER BY message_id")
        }
        #expect(outbox == ["pending", "refused-old", "sent-new"])
    }
}
