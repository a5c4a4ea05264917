import Foundation
import KvittAMQP
import KvittTesting
import Synchronization
import Testing

/// Stops and starts the real broker, so the test command runs this suite alone, after everything else.
@Suite("BrokerOutage: the broker restarts under load", .serialized)
struct BrokerOutageTests {
    let logger = TestBroker.logger("outage")

    @Test func publisherAndConsumerRecoverAndNoConfirmedMessageIsLost() async throws {
        let queue = TestBroker.uniqueName("outage")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("pub"),
            topology: topology,
            window: 100,
            logger: logger
        )
        let consumer = AMQPConsumer(
            url: TestBroker.url,
            options: TestBroker.options("con"),
            topology: topology,
            queues: [queue],
            prefetch: 100,
            logger: logger
        )
        try await publisher.waitUntilConnected()
        try await consumer.waitUntilConnected()

        let received = Mutex(Set<String>())
        let consuming = Task {
            for await batch in consumer.batches {
                received.withLock { seen in for delivery in batch { seen.insert(delivery.properties.messageID ?? "") } }
                consumer.ack(batch.last!, multiple: true)
            }
        }
        let confirmed = Mutex(Set<String>())
        let total = 3_000
        let publishing = Task {
            for start in stride(from: 0, to: total, by: 50) {
                let batch = (start..<start + 50).map { index in
                    AMQPOutgoingMessage(
                        exchange: "",
                        routingKey: queue,
                        properties: AMQPProperties(messageID: "m\(index)"),
                        body: Array(repeating: 0x61, count: 400)
                    )
                }
                let results = await publisher.publish(batch: batch)
                confirmed.withLock { ids in
                    for (message, result) in zip(batch, results) where (try? result.get()) != nil {
                        ids.insert(message.properties.messageID!)
                    }
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }

        #expect(await TestBroker.eventually { confirmed.withLock { $0.count } >= 600 })
        try await TestBroker.control("stop")
        #expect(!publisher.isConnected)
        try await TestBroker.control("start")
        await publishing.value

        let allConfirmed = confirmed.withLock { $0 }
        #expect(allConfirmed.count == total, "publishes waiting during the outage were re-sent and confirmed")
        let complete = await TestBroker.eventually(timeout: .seconds(60)) {
            received.withLock { allConfirmed.isSubset(of: $0) }
        }
        #expect(complete, "every confirmed message reached the consumer after both reconnected")
        await consumer.stop()
        await consuming.value
        await publisher.stop()
        await TestBroker.cleanUp(queues: [queue])
    }
}
