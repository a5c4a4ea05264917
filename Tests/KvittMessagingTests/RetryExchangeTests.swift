import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@testable import KvittMessaging

/// Retries go through the retry exchange, never the default exchange, also across a rolling upgrade from the
/// version whose wait queues dead-lettered through the default exchange.
@Suite("Retry exchange: the way into the wait queues and back, before and after an upgrade")
struct RetryExchangeTests {
    let logger = TestBroker.logger("retry-exchange")

    /// The topology the version before the retry exchange declared: wait queues dead-lettering through the default
    /// exchange, and no retry exchange.
    func earlierTopology(_ topology: ServiceTopology) -> AMQPTopology {
        let current = topology.amqpTopology
        return AMQPTopology(
            exchanges: current.exchanges.filter { $0.name != topology.retryExchange },
            queues: current.queues.map { queue in
                guard let earlier = queue.acceptedEarlierArguments.first else { return queue }
                return AMQPQueue(name: queue.name, arguments: earlier)
            },
            bindings: current.bindings.filter { $0.exchange != topology.retryExchange }
        )
    }

    func probe(_ id: String, exchange: String, routingKey: String) -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: routingKey,
            properties: AMQPProperties(
                envelope: MessageEnvelope(messageID: id, type: "probe.apply-effect.v1", appID: "test")
            ),
            body: Array(#"{"key":"k","amount":1}"#.utf8)
        )
    }

    /// Takes the next message from a queue, waiting up to `timeout` for one.
    func next(_ queue: String, on client: AMQPClient, timeout: Duration = .seconds(10)) async -> AMQPDelivery? {
        var taken: AMQPDelivery?
        _ = await TestBroker.eventually(timeout: timeout) {
            taken = try? await client.perform { session in
                guard let delivery = try session.get(queue: queue) else { return nil }
                try session.ack(deliveryTag: delivery.deliveryTag)
                return delivery
            }
            return taken != nil
        }
        return taken
    }

    @Test func aMessageWaitingInAnEarlierWaitQueueComesBackAndNewRetriesUseTheSameQueue() async throws {
        let exchange = TestBroker.uniqueName("retry-upgrade")
        let topology = ServiceTopology(
            serviceName: TestBroker.uniqueName("upgraded"),
            messageTypes: ["probe.apply-effect.v1"],
            retryPolicy: RetryPolicy(delays: [.milliseconds(300)]),
            exchange: exchange,
            deadLetterExchange: "\(exchange).dead-letter"
        )
        let waitQueue = topology.retryQueue(for: .milliseconds(300))
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("retry-upgrade"), logger: logger)
        try await client.waitUntilConnected()
        // The earlier version ran and left a retry waiting, sent the way it sent them: through the default exchange.
        let earlier = earlierTopology(topology)
        try await client.perform { session in try session.declare(earlier) }
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("retry-old"), logger: logger)
        try await publisher.publish(probe("waiting-before", exchange: "", routingKey: waitQueue))

        // The new version starts: its declaration takes the earlier wait queue as it is.
        try await client.perform { session in try session.declare(topology.amqpTopology) }
        let returned = try #require(await next(topology.queue, on: client), "the earlier retry came back")
        #expect(returned.properties.messageID == "waiting-before")
        #expect(returned.routingKey == topology.queue)

        // A new retry goes through the retry exchange into the same queue, and back to the work queue.
        let retry = FailureRouting(topology: topology).retryMessage(
            for: IncomingMessage(delivery: returned),
            properties: returned.properties,
            attempt: 1,
            delay: .milliseconds(300),
            detail: "transient"
        )
        #expect(retry.exchange == topology.retryExchange && retry.exchange != "")
        #expect(retry.routingKey == waitQueue)
        try await publisher.publish(retry)
        let back = try #require(await next(topology.queue, on: client), "the new retry came back")
        #expect(back.properties.messageID == "waiting-before")
        #expect(IncomingMessage(delivery: back).retryCount == 1)

        await publisher.stop()
        await client.stop()
        await TestBroker.cleanUp(
            services: [topology.serviceName],
            retryPolicy: topology.retryPolicy,
            exchanges: [exchange, topology.deadLetterExchange, topology.retryExchange]
        )
    }

    @Test func aFreshWaitQueueDeadLettersThroughTheRetryExchange() async throws {
        let exchange = TestBroker.uniqueName("retry-fresh")
        let topology = ServiceTopology(
            serviceName: TestBroker.uniqueName("fresh"),
            messageTypes: ["probe.apply-effect.v1"],
            retryPolicy: RetryPolicy(delays: [.milliseconds(200)]),
            exchange: exchange,
            deadLetterExchange: "\(exchange).dead-letter"
        )
        let wait = try #require(topology.amqpTopology.queues.first { $0.name.contains(".retry.") })
        #expect(wait.arguments["x-dead-letter-exchange"] == .string(topology.retryExchange))
        #expect(wait.arguments["x-dead-letter-routing-key"] == .string(topology.queue))
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("retry-fresh"), logger: logger)
        try await client.waitUntilConnected()
        try await client.perform { session in try session.declare(topology.amqpTopology) }
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("retry-new"), logger: logger)
        try await publisher.publish(probe("fresh", exchange: topology.retryExchange, routingKey: wait.name))
        let back = try #require(await next(topology.queue, on: client), "back from the wait queue")
        #expect(back.exchange == topology.retryExchange, "through the retry exchange, not the default exchange")
        await publisher.stop()
        await client.stop()
        await TestBroker.cleanUp(
            services: [topology.serviceName],
            retryPolicy: topology.retryPolicy,
            exchanges: [exchange, topology.deadLetterExchange, topology.retryExchange]
        )
    }
}
