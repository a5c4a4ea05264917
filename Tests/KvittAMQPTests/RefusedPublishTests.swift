import CRabbitMQ
import Foundation
import KvittTesting
import Testing

@testable import KvittAMQP

@Suite("A message the broker refuses fails alone; everything behind it flows (real broker)")
struct RefusedPublishTests {
    let logger = TestBroker.logger("refused-publish")

    func message(_ id: String, to queue: String, _ change: (inout AMQPProperties) -> Void = { _ in })
        -> AMQPOutgoingMessage
    {
        var properties = AMQPProperties(contentType: "application/json", messageID: id, type: "test.thing.v1")
        change(&properties)
        return AMQPOutgoingMessage(exchange: "", routingKey: queue, properties: properties, body: Array("{}".utf8))
    }

    func failures(_ results: [Result<Void, AMQPError>]) -> [Int: AMQPError] {
        var failed: [Int: AMQPError] = [:]
        for (index, result) in results.enumerated() {
            if case .failure(let error) = result { failed[index] = error }
        }
        return failed
    }

    /// Publishes a batch where some messages are refused by the broker itself (a `user_id` that is not the connection's
    /// user: 406; an exchange that does not exist: 404), pipelined with good ones: only those fail, with the broker's
    /// reason, and the publisher does not loop re-sending them.
    @Test func refusedMessagesFailAloneWhilePipelinedWithGoodOnes() async throws {
        let queue = TestBroker.uniqueName("refused")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            window: 100,
            logger: logger
        )
        defer { Task { await publisher.stop() } }
        try await publisher.waitUntilConnected()
        var batch = (0..<20).map { message("good-\($0)", to: queue) }
        batch[3] = message("bad-user", to: queue) { $0.userID = "erp-not-me" }
        batch[11] = AMQPOutgoingMessage(
            exchange: TestBroker.uniqueName("no-such-exchange"),
            routingKey: "x",
            properties: AMQPProperties(messageID: "bad-exchange"),
            body: [1]
        )
        let results = await publisher.publish(batch: batch)
        let failed = failures(results)
        #expect(Set(failed.keys) == [3, 11], "\(failed)")
        guard case .refused(406, let text)? = failed[3] else {
            Issue.record("expected a 406 refusal, got \(String(describing: failed[3]))")
            return
        }
        #expect(text.contains("user_id"))
        guard case .refused(404, _)? = failed[11] else {
            Issue.record("expected a 404 refusal, got \(String(describing: failed[11]))")
            return
        }
        #expect(publisher.refusedMessages == 2)
        // And the publisher keeps going at full speed afterwards.
        let after = await publisher.publish(batch: (0..<50).map { message("after-\($0)", to: queue) })
        #expect(failures(after).isEmpty)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: logger)
        defer { Task { await client.stop() } }
        // Messages published before the refused one may be in the queue twice: the broker closed the channel before
        // their confirms (a quorum queue confirms after replication), so they were sent again, as after any lost
        // connection. What counts is that every good message is there and no refused one is.
        let ids = try await client.perform { session -> Set<String> in
            var ids: Set<String> = []
            while let delivery = try session.get(queue: queue) { ids.insert(delivery.properties.messageID ?? "?") }
            return ids
        }
        let expected = Set(
            batch.enumerated().filter { ![3, 11].contains($0.offset) }.map { $0.element.properties.messageID ?? "?" }
        )
        .union((0..<50).map { "after-\($0)" })
        #expect(ids == expected)
        try await client.perform { session in try session.deleteQueue(queue) }
    }

    /// An exchange deleted under a running publisher is not a refusal of the message: the reconnect declares the
    /// topology again and the message goes through.
    @Test func aDeletedExchangeIsDeclaredAgainAndTheMessageGoesThrough() async throws {
        let exchange = TestBroker.uniqueName("deleted")
        let queue = TestBroker.uniqueName("deleted-queue")
        let topology = AMQPTopology(
            exchanges: [AMQPExchange(name: exchange, kind: .topic)],
            queues: [.quorum(queue)],
            bindings: [AMQPBinding(queue: queue, exchange: exchange, routingKey: "#")]
        )
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            logger: logger
        )
        defer { Task { await publisher.stop() } }
        try await publisher.waitUntilConnected()
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("deleter"), logger: logger)
        defer { Task { await client.stop() } }
        try await client.perform { session in try session.deleteExchange(exchange) }
        let message = AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: "a.b",
            properties: AMQPProperties(messageID: "after-delete"),
            body: [1]
        )
        try await publisher.publish(message)
        #expect(publisher.refusedMessages == 0)
        let ready = try await client.perform { session in try session.declare(.quorum(queue), passive: true).messages }
        #expect(ready == 1)
        try await client.perform { session in
            try session.deleteQueue(queue)
            try session.deleteExchange(exchange)
        }
    }

    /// Headers that cannot be framed (larger than frame_max, or a key over 255 bytes) are refused before anything is
    /// written, so the connection is not left half-way through a publish.
    @Test func unframeableMessagesAreRefusedBeforeSending() async throws {
        let queue = TestBroker.uniqueName("unframeable")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            logger: logger
        )
        defer { Task { await publisher.stop() } }
        let batch = [
            message("before", to: queue),
            message("huge-headers", to: queue) { $0.headers["blob"] = .string(String(repeating: "h", count: 140_000)) },
            message("long-key", to: queue) { $0.headers[String(repeating: "k", count: 300)] = .bool(true) },
            message(String(repeating: "i", count: 300), to: queue),
            message("after", to: queue),
        ]
        let results = await publisher.publish(batch: batch)
        let failed = failures(results)
        #expect(Set(failed.keys) == [1, 2, 3], "\(failed)")
        for index in [1, 2, 3] {
            guard case .refused(0, _)? = failed[index] else {
                Issue.record("expected a local refusal at \(index), got \(String(describing: failed[index]))")
                continue
            }
        }
        #expect(publisher.reconnects == 0, "nothing broke the connection")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: logger)
        defer { Task { await client.stop() } }
        let ready = try await client.perform { session in try session.declare(.quorum(queue), passive: true).messages }
        #expect(ready == 2)
        try await client.perform { session in try session.deleteQueue(queue) }
    }

    /// Deeply nested headers from another client are read without exhausting the stack; what is deeper than Kvitt
    /// follows is replaced by a marker.
    @Test func deeplyNestedHeadersAreCutWhenRead() async throws {
        let queue = TestBroker.uniqueName("nested")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("nested"), logger: logger)
        defer { Task { await client.stop() } }
        var nested = AMQPValue.string("bottom")
        for _ in 0..<200 { nested = .table(["n": nested]) }
        let sent = message("nested-1", to: queue) { $0.headers["deep"] = nested }
        let delivery = try await client.perform { session -> AMQPDelivery? in
            try session.declare(AMQPQueue(name: queue, durable: false, autoDelete: false))
            try session.publish(sent)
            for _ in 0..<50 {
                if let delivery = try session.get(queue: queue) { return delivery }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return nil
        }
        let received = try #require(delivery)
        var depth = 0
        var value = received.properties.headers["deep"]
        while case .table(let table)? = value {
            depth += 1
            value = table["n"]
        }
        #expect(depth <= AMQPTableConversion.maximumNesting + 1)
        #expect(value == AMQPTableConversion.nestedTooDeep)
        try await client.perform { session in try session.deleteQueue(queue) }
    }

    @Test func extremeTimestampsConvertWithoutTrapping() {
        #expect(AMQPTableConversion.epochSeconds(Date(timeIntervalSince1970: Double(UInt64.max))) == .max)
        #expect(AMQPTableConversion.epochSeconds(Date(timeIntervalSince1970: 1e300)) == .max)
        #expect(AMQPTableConversion.epochSeconds(Date(timeIntervalSince1970: -5)) == 0)
        #expect(AMQPTableConversion.epochSeconds(Date(timeIntervalSince1970: .nan)) == 0)
        #expect(AMQPTableConversion.epochSeconds(Date(timeIntervalSince1970: 1_800_000_000.7)) == 1_800_000_000)
        let pool = AMQPMemoryPool()
        let raw = AMQPPropertiesConversion.raw(
            AMQPProperties(timestamp: Date(timeIntervalSince1970: Double(UInt64.max))),
            pool: pool
        )
        #expect(raw.timestamp == .max)
    }
}
