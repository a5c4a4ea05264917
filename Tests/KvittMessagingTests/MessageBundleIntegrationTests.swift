import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@testable import KvittMessaging

/// Bundles through the real broker: a handler's events of one type leave as one message, and a service reads a
/// bundle message by message (inbox, dead letters).
@Suite("Message bundles through the real broker")
struct MessageBundleIntegrationTests {
    let logger = TestBroker.logger("bundles")

    func start() async throws -> InProcessService {
        try await InProcessService.start(
            ProbeService.definition(name: "bundles", handlerDelay: .zero),
            environment: ["RETRY_DELAYS": "200ms"],
            logger: logger
        )
    }

    /// Every message waiting in `queue`, as delivered (bundles not unpacked).
    func drain(_ queue: String, expecting count: Int) async -> [AMQPDelivery] {
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("drain"), logger: logger)
        var taken: [AMQPDelivery] = []
        _ = await TestBroker.eventually {
            if let next = try? await client.perform({ session in try session.get(queue: queue) }) {
                taken.append(next)
            }
            return taken.count >= count
        }
        await client.stop()
        return taken
    }

    @Test func aHandlersEventsOfOneTypeLeaveAsOneBundleAndReadBackMessageByMessage() async throws {
        let service = try await start()
        let events = TestBroker.uniqueName("events")
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("up"),
            topology: TestBroker.queue(events, receiving: Probe.EffectApplied.self, from: service.exchange),
            logger: logger
        )
        try await publisher.waitUntilConnected()
        try await publisher.publish(
            service.message(Probe.ApplyEffects(key: "many", amounts: [1, 2, 3, 4, 5]), id: "cmd-1")
        )
        try await publisher.publish(service.message(Probe.ApplyEffect(key: "one", amount: 7), id: "cmd-2"))

        let delivered = await drain(events, expecting: 2)
        try #require(delivered.count == 2)
        let bundle = delivered[0]
        #expect(bundle.properties.contentType == MessageBundle.contentType)
        #expect(bundle.properties.headers[MessageBundle.countHeader]?.int64Value == 5)
        #expect(bundle.properties.type == Probe.EffectApplied.messageType.rawValue)
        let inner = try bundle.unbundled()
        #expect(
            try inner.map { try MessageCoding.decode(Probe.EffectApplied.self, from: $0.body).total } == [
                1, 3, 6, 10, 15,
            ]
        )
        #expect(Set(inner.compactMap(\.properties.messageID)).count == 5, "each event keeps an id of its own")
        #expect(!inner.contains { $0.properties.messageID == bundle.properties.messageID })
        #expect(inner.allSatisfy { $0.properties.headers[MessageEnvelope.causationHeader]?.stringValue == "cmd-1" })
        #expect(inner.allSatisfy { $0.properties.contentType == MessageEnvelope.jsonContentType })
        // One event of a type is a plain message, as before.
        let single = delivered[1]
        #expect(single.properties.contentType == MessageEnvelope.jsonContentType)
        #expect(try MessageCoding.decode(Probe.EffectApplied.self, from: single.body).total == 7)
        await publisher.stop()
        await TestBroker.cleanUp(queues: [events])
        try await service.stop()
    }

    @Test func aBundleOfCommandsIsHandledMessageByMessageAndAPoisonedOneIsParkedAlone() async throws {
        let service = try await start()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        try await publisher.waitUntilConnected()
        func body(_ amount: Int64) throws -> [UInt8] {
            try MessageCoding.encode(Probe.ApplyEffect(key: "bundled", amount: amount))
        }
        var bundle = try service.message(Probe.ApplyEffect(key: "unused", amount: 0), id: "bundle-1")
        bundle.properties.contentType = MessageBundle.contentType
        bundle.properties.headers[MessageBundle.countHeader] = .int64(4)
        bundle.body = MessageBundle.encode([
            .init(messageID: "b-1", body: try body(1)),
            .init(messageID: "b-2", body: Array(#"{"key": "bundled", "amount": "lots"}"#.utf8)),
            .init(messageID: "b-3", body: try body(2)),
            .init(messageID: "b-1", body: try body(1)),
        ])
        var broken = bundle
        broken.properties.messageID = "bundle-broken"
        broken.body = Array(bundle.body.dropLast(3))
        for result in await publisher.publish(batch: [bundle, broken]) { try result.get() }
        try await publisher.publish(service.message(Probe.ApplyEffect(key: "after", amount: 1)))
        let tally = { try await service.store.writer.read { db in try ProbeService.tally(db) } }
        #expect(try await TestBroker.eventually { try await tally()["after"] != nil })
        #expect(try await tally()["bundled"]?.total == 3, "b-1 and b-3 once each, though b-1 came twice")
        #expect(try await tally()["bundled"]?.applications == 2)

        let parked = await drain("\(service.name).dead-letter", expecting: 2)
        let byID = Dictionary(parked.map { ($0.properties.messageID ?? "?", $0) }) { first, _ in first }
        #expect(Set(byID.keys) == ["b-2", "bundle-broken"], "the poisoned message alone, and the unreadable bundle")
        let poisoned = try #require(byID["b-2"])
        #expect(poisoned.properties.headers[FailureHeaders.reason]?.stringValue == "undecodable-body")
        #expect(poisoned.properties.contentType == MessageEnvelope.jsonContentType, "replayable as a plain message")
        #expect(poisoned.body == Array(#"{"key": "bundled", "amount": "lots"}"#.utf8))
        let unreadable = try #require(byID["bundle-broken"])
        #expect(unreadable.properties.headers[FailureHeaders.detail]?.stringValue == "bundle truncated in message 4")
        #expect(unreadable.body == broken.body, "kept whole for an operator")
        await publisher.stop()
        try await service.stop()
    }

    @Test func moreThanABundleHoldsIsSplitAndALastSingleMessageIsPlain() async throws {
        let harness = try ServiceHarness(
            name: "bundles",
            migrations: { ProbeService.migrations(&$0) },
            handlers: { ProbeService.register(&$0) }
        )
        let published = try await harness.send(
            Probe.ApplyEffects(key: "many", amounts: Array(repeating: 1, count: MessageBundle.maximumCount + 1))
        )
        #expect(try published.all(Probe.EffectApplied.self).map(\.total) == Array(1...1001))
        let rows = try harness.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT message_count, body FROM kvitt_outbox ORDER BY id")
        }
        #expect(rows.map { $0["message_count"] as Int } == [1000, 1])
        let last = [UInt8](rows[1]["body"] as Data)
        #expect(try MessageCoding.decode(Probe.EffectApplied.self, from: last).total == 1001, "plain JSON")
    }

    @Test func aBundleWithoutAPlausibleCountIsUnreadable() throws {
        let body = MessageBundle.encode([
            .init(messageID: "a", body: [123, 125]), .init(messageID: "b", body: [123, 125]),
        ])
        func delivery(count: Int64?) -> AMQPDelivery {
            var properties = AMQPProperties(contentType: MessageBundle.contentType, messageID: "bundle")
            if let count { properties.headers[MessageBundle.countHeader] = .int64(count) }
            return AMQPDelivery.received(properties: properties, body: body)
        }
        #expect(try delivery(count: 2).unbundled().compactMap(\.properties.messageID) == ["a", "b"])
        #expect(throws: MessageBundle.Malformed.countMissing) { try delivery(count: nil).unbundled() }
        #expect(throws: MessageBundle.Malformed.countOutOfRange(1)) { try delivery(count: 1).unbundled() }
        #expect(throws: MessageBundle.Malformed.countMismatch(header: 3, body: 2)) {
            try delivery(count: 3).unbundled()
        }
    }
}
