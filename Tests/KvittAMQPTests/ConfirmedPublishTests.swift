import Foundation
import KvittAMQP
import KvittTesting
import Testing

@Suite("Publishing with confirms and consuming with manual acks (real broker)")
struct ConfirmedPublishTests {
    let logger = TestBroker.logger("amqp-tests")

    @Test func confirmedPublishIsConsumedAndAcked() async throws {
        let queue = TestBroker.uniqueName("confirm")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            window: 50,
            logger: logger
        )
        let consumer = AMQPConsumer(
            url: TestBroker.url,
            options: TestBroker.options(queue),
            topology: topology,
            queues: [queue],
            prefetch: 20,
            logger: logger
        )
        defer {
            Task {
                await publisher.stop(); await consumer.stop()
            }
        }

        let messages = (0..<200).map { index in
            AMQPOutgoingMessage(
                exchange: "",
                routingKey: queue,
                properties: AMQPProperties(
                    contentType: "application/json",
                    messageID: "m-\(index)",
                    type: "test.thing.v1"
                ),
                body: Array("{\"n\":\(index)}".utf8)
            )
        }
        let results = await publisher.publish(batch: messages)
        #expect(results.count == 200)
        let failures = results.compactMap { result -> AMQPError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        #expect(failures.isEmpty, "publish failures: \(failures)")

        var received: [String] = []
        receiving: for await batch in consumer.batches {
            #expect(batch.count <= 20, "a batch never exceeds the prefetch")
            for delivery in batch {
                received.append(delivery.properties.messageID ?? "?")
                #expect(delivery.routingKey == queue)
                #expect(delivery.properties.type == "test.thing.v1")
                #expect(delivery.properties.deliveryMode == 2)
            }
            consumer.ack(batch.last!, multiple: true)
            if received.count == 200 { break receiving }
        }
        // Every message exactly once. (Order holds on one channel, except for messages the broker refused with a nack
        // while the new quorum queue elected its leader: the publisher sends those again, after the others.)
        #expect(received.count == messages.count)
        #expect(Set(received) == Set(messages.map { $0.properties.messageID! }))

        // Everything was acked: the queue is empty once the acks have been processed.
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: logger)
        defer { Task { await client.stop() } }
        var ready: UInt32 = 1
        for _ in 0..<50 {
            await consumer.stop()
            ready = try await client.perform { session in try session.declare(.quorum(queue), passive: true).messages }
            if ready == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ready == 0)
        try await client.perform { session in try session.deleteQueue(queue) }
    }

    @Test func unroutableMandatoryPublishFails() async throws {
        let exchange = TestBroker.uniqueName("nowhere")
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options(exchange),
            topology: AMQPTopology(exchanges: [AMQPExchange(name: exchange, kind: .topic, durable: false)]),
            logger: logger
        )
        defer { Task { await publisher.stop() } }
        let lost = AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: "no.such.key",
            properties: AMQPProperties(messageID: "lost-1"),
            body: [1, 2, 3]
        )
        await #expect(throws: AMQPError.unroutable(code: 312, text: "NO_ROUTE")) {
            try await publisher.publish(lost)
        }
        // The connection stays usable: a routable publish after the return is confirmed.
        let queue = TestBroker.uniqueName("after-return")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("client"), logger: logger)
        defer { Task { await client.stop() } }
        try await client.perform { session in
            try session.declare(AMQPQueue(name: queue, durable: false, autoDelete: false))
            try session.bind(AMQPBinding(queue: queue, exchange: exchange, routingKey: "some.key"))
        }
        try await publisher.publish(AMQPOutgoingMessage(exchange: exchange, routingKey: "some.key", body: [4]))
        try await client.perform { session in
            try session.deleteQueue(queue)
            try session.deleteExchange(exchange)
        }
    }
}
