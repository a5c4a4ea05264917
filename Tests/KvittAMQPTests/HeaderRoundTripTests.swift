import Foundation
import KvittAMQP
import KvittTesting
import Testing

@Suite("Headers and arguments through the real broker")
struct HeaderRoundTripTests {
    let logger = TestBroker.logger("amqp-headers")

    @Test func nestedHeadersSurviveTheBroker() async throws {
        let queue = TestBroker.uniqueName("headers")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options(queue), logger: logger)
        defer { Task { await client.stop() } }
        _ = try await client.perform { session in try session.declare(.classic(queue)) }
        let headers: AMQPTable = [
            "causation-id": "abc",
            "x-kvitt-retry-count": .int64(3),
            "small": .int8(-4),
            "flag": true,
            "ratio": .double(0.25),
            "when": .timestamp(Date(timeIntervalSince1970: 1_767_225_600)),
            "nested": .table([
                "list": .array(["a", .int32(7), .table(["deep": .bytes([0, 255])])]), "empty": .array([]),
            ]),
            "price": .decimal(scale: 2, value: 12_550),
            "nothing": .void,
        ]
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("pub"), logger: logger)
        defer { Task { await publisher.stop() } }
        try await publisher.publish(
            AMQPOutgoingMessage(exchange: "", routingKey: queue, properties: AMQPProperties(headers: headers), body: [])
        )
        let delivery = try await client.perform { session in try session.get(queue: queue) }
        let received = try #require(delivery)
        #expect(received.properties.headers == headers)
        try await client.perform { session in try session.deleteQueue(queue) }
    }

    @Test func xDeathArrayFromRealDeadLettering() async throws {
        let source = TestBroker.uniqueName("dlx-source")
        let target = TestBroker.uniqueName("dlx-target")
        let exchange = TestBroker.uniqueName("dlx")
        let topology = AMQPTopology(
            exchanges: [AMQPExchange(name: exchange, kind: .direct, durable: false)],
            queues: [
                .quorum(
                    source,
                    arguments: ["x-dead-letter-exchange": .string(exchange), "x-dead-letter-routing-key": "dead"]
                ),
                .quorum(target),
            ],
            bindings: [AMQPBinding(queue: target, exchange: exchange, routingKey: "dead")]
        )
        let client = AMQPClient(
            url: TestBroker.url,
            options: TestBroker.options(source),
            topology: topology,
            logger: logger
        )
        defer { Task { await client.stop() } }
        try await client.waitUntilConnected()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("pub"), logger: logger)
        defer { Task { await publisher.stop() } }
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: "",
                routingKey: source,
                properties: AMQPProperties(messageID: "dead-1"),
                body: [42]
            )
        )
        let consumer = AMQPConsumer(
            url: TestBroker.url,
            options: TestBroker.options("c"),
            queues: [source],
            prefetch: 1,
            logger: logger
        )
        for await batch in consumer.batches {
            consumer.reject(batch[0], requeue: false)
            break
        }
        await consumer.stop()

        var deadLetter: AMQPDelivery?
        for _ in 0..<50 where deadLetter == nil {
            deadLetter = try await client.perform { session in try session.get(queue: target) }
            if deadLetter == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let received = try #require(deadLetter)
        #expect(received.properties.messageID == "dead-1")
        let deaths = try #require(received.properties.headers["x-death"]?.arrayValue)
        let first = try #require(deaths.first?.tableValue)
        #expect(first["queue"]?.stringValue == source)
        #expect(first["reason"]?.stringValue == "rejected")
        #expect(first["count"] == .int64(1))
        #expect(first["routing-keys"]?.arrayValue == [.string(source)])
        #expect(first["time"]?.dateValue != nil)
        #expect(received.properties.headers["x-first-death-reason"]?.stringValue == "rejected")
        try await client.perform { session in
            try session.deleteQueue(source)
            try session.deleteQueue(target)
            try session.deleteExchange(exchange)
        }
    }
}
