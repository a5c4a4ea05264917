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

    /// A service of its own, on exchanges of its own, with one retry delay.
    func topology(_ name: String, delay: Duration) -> ServiceTopology {
        let exchange = TestBroker.uniqueName("retry-\(name)")
        return ServiceTopology(
            serviceName: TestBroker.uniqueName(name),
            messageTypes: ["probe.apply-effect.v1"],
            retryPolicy: RetryPolicy(delays: [delay]),
            exchange: exchange,
            deadLetterExchange: "\(exchange).dead-letter"
        )
    }

    func cleanUp(_ topology: ServiceTopology) async {
        await TestBroker.cleanUp(
            services: [topology.serviceName],
            retryPolicy: topology.retryPolicy,
            exchanges: [topology.exchange, topology.deadLetterExchange, topology.retryExchange]
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
        let topology = self.topology("upgraded", delay: .milliseconds(300))
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
        await cleanUp(topology)
    }

    @Test func aFreshWaitQueueDeadLettersThroughTheRetryExchange() async throws {
        let topology = self.topology("fresh", delay: .milliseconds(200))
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
        await cleanUp(topology)
    }

    /// Only the arguments an earlier version is known to have declared are taken: a wait queue that exists with any
    /// other (here a TTL another deployment chose) still stops the declaration with PRECONDITION_FAILED, rather than be
    /// used with a wait nobody asked for; and the session can declare again afterwards.
    @Test func aWaitQueueWithArgumentsNoVersionDeclaredIsStillRefused() async throws {
        let topology = self.topology("foreign", delay: .milliseconds(400))
        let wait = try #require(topology.amqpTopology.queues.first { $0.name.contains(".retry.") })
        var foreignArguments = try #require(wait.acceptedEarlierArguments.first)
        foreignArguments["x-message-ttl"] = .int64(999)
        let foreign = AMQPQueue(name: wait.name, arguments: foreignArguments)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("retry-foreign"), logger: logger)
        try await client.waitUntilConnected()
        _ = try await client.perform { session in try session.declare(foreign) }
        await #expect {
            try await client.perform { session in try session.declare(topology.amqpTopology) }
        } throws: { error in
            guard case .closedByBroker(let code, _) = error as? AMQPError else { return false }
            return code == 406
        }
        // Declared with neither the current nor an earlier version's arguments: the queue is as it was.
        let counts = try await client.perform { session in try session.declare(wait, passive: true) }
        #expect(counts.messages == 0)
        await client.stop()
        await cleanUp(topology)
    }
}
