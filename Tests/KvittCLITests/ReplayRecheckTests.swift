import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Kvitt

/// `kvitt dead-letters replay` and `kvitt unrouted republish` when the connection is lost between the confirmed copy
/// and the acknowledgement of the original: each looks again before it says anything, and never reports a replay it
/// could not finish.
@Suite("Replay and republish re-check after a lost connection")
struct ReplayRecheckTests {
    let logger = TestBroker.logger("recheck")

    /// The CLI's connection goes through a proxy that counts the connections it carries: a cut and a re-check on a new
    /// connection each show as one more.
    func proxiedClient() throws -> (AMQPClient, LinkProxy) {
        let proxy = try LinkProxy(upstreamPort: TestBroker.url.port)
        var url = TestBroker.url
        url.port = proxy.port
        return (AMQPClient(url: url, options: TestBroker.options("cli"), logger: logger), proxy)
    }

    /// A failed operation makes the client drop its connection and open a new one: what it took goes back to the
    /// queue, and those delivery tags mean nothing on the new channel.
    static func dropConnection(_ client: AMQPClient) async {
        _ = try? await client.perform { session in
            try session.declare(AMQPQueue(name: TestBroker.uniqueName("missing")), passive: true)
        }
    }

    /// A parked message in `<service>.dead-letter`, and the service's own queue for the replay to land in.
    func park(_ service: String, id: String) async throws {
        // The service's queues and bindings as it declares them: a replay reaches its queue through kvitt.retry.
        let topology = ServiceTopology(
            serviceName: service,
            messageTypes: [],
            retryPolicy: RetryPolicy(delays: [.seconds(1)])
        )
        let client = AMQPClient(
            url: TestBroker.url,
            options: TestBroker.options("park"),
            topology: topology.amqpTopology,
            logger: logger
        )
        try await client.waitUntilConnected()
        await client.stop()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("park"), logger: logger)
        var properties = AMQPProperties(envelope: MessageEnvelope(messageID: id, type: "probe.apply-effect.v1"))
        properties.headers[FailureHeaders.reason] = "permanent-failure"
        properties.headers[FailureHeaders.failedService] = .string(service)
        properties.headers[FailureHeaders.failedAt] = "2026-12-05T00:00:00Z"
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: "",
                routingKey: "\(service).dead-letter",
                properties: properties,
                body: Array(#"{"key":"k","amount":1}"#.utf8)
            )
        )
        await publisher.stop()
    }

    func count(_ queue: String) async throws -> UInt32 {
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("count"), logger: logger)
        defer { Task { await client.stop() } }
        return try await client.perform { session in try session.declare(AMQPQueue(name: queue), passive: true).messages
        }
    }

    /// The connection is cut after the copy was confirmed: the original went back to the queue, and the stale
    /// acknowledgement on the new connection is refused. The replay looks again, removes the original, and only then
    /// reports it replayed.
    @Test func aLostConnectionBeforeTheAcknowledgementIsCheckedAgain() async throws {
        let service = TestBroker.uniqueName("recheck")
        try await park(service, id: "msg-recheck")
        let (client, proxy) = try proxiedClient()
        defer { proxy.stop() }
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("cli-pub"), logger: logger)
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [service])
        operations.beforeSettling = { await Self.dropConnection(client) }
        let outcome = try await operations.replay(
            filter: DeadLetterFilter(ids: ["msg-recheck"]),
            dryRun: false,
            rate: nil
        )
        #expect(outcome.replayed.map(\.id) == ["msg-recheck"])
        #expect(outcome.stillParked.isEmpty && outcome.failed.isEmpty)
        #expect(try await count("\(service).dead-letter") == 0, "the original was removed after the re-check")
        #expect(try await count(service) == 1, "exactly one copy reached the service")
        // Taken on the first connection, cut; the stale acknowledgement refused on the second; looked again on the
        // third.
        #expect(proxy.accepted == 3, "the acknowledgement failed and the original was removed on a new connection")
        await client.stop()
        await publisher.stop()
        await TestBroker.cleanUp(queues: [service, "\(service).dead-letter"])
    }

    /// The connection cannot be had back at all: the copy was confirmed but the original is still parked, and the
    /// replay says exactly that instead of "replayed".
    @Test func aReplayThatCannotLookAgainSaysTheOriginalMayStillBeParked() async throws {
        let service = TestBroker.uniqueName("recheck")
        try await park(service, id: "msg-lost")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cli"), logger: logger)
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("cli-pub"), logger: logger)
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [service])
        // Gone for good: nothing the client is asked afterwards is ever answered.
        operations.beforeSettling = { await client.stop() }
        operations.recheckTimeout = .seconds(1)
        let outcome = try await operations.replay(filter: DeadLetterFilter(ids: ["msg-lost"]), dryRun: false, rate: nil)
        #expect(outcome.replayed.isEmpty, "no success that was not confirmed")
        #expect(outcome.stillParked.map(\.0.id) == ["msg-lost"])
        #expect(await TestBroker.eventually { (try? await count("\(service).dead-letter")) == 1 }, "it is still parked")
        #expect(try await count(service) == 1)
        await publisher.stop()
        await TestBroker.cleanUp(queues: [service, "\(service).dead-letter"])
    }

    /// An event in `<exchange>.unrouted` as the alternate exchange keeps it (its routing key is its wire name), and a
    /// subscriber's queue bound to it by now.
    func unroutedEvent(exchange: String, subscriber: String, id: String) async throws {
        let unrouted = SystemTopology.unroutedExchange(of: exchange)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("setup"), logger: logger)
        try await client.perform { session in
            try session.declare(AMQPExchange(name: exchange, kind: .topic))
            try session.declare(AMQPExchange(name: unrouted, kind: .fanout))
            try session.declare(.quorum(unrouted))
            try session.bind(AMQPBinding(queue: unrouted, exchange: unrouted, routingKey: ""))
            try session.declare(.quorum(subscriber))
            try session.bind(AMQPBinding(queue: subscriber, exchange: exchange, routingKey: "probe.event.v1"))
        }
        await client.stop()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("setup"), logger: logger)
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: unrouted,
                routingKey: "probe.event.v1",
                properties: AMQPProperties(envelope: MessageEnvelope(messageID: id, type: "probe.event.v1")),
                body: Array(#"{"key":"k"}"#.utf8)
            )
        )
        await publisher.stop()
    }

    /// The republish's connection is cut after the copy was confirmed (and delivered to the subscriber): the original
    /// went back to the unrouted queue. The republish looks again, removes the original, and only then reports it
    /// delivered.
    @Test func aRepublishWhoseConnectionIsLostLooksAgain() async throws {
        let exchange = TestBroker.uniqueName("recheck")
        let unrouted = SystemTopology.unroutedExchange(of: exchange)
        let subscriber = TestBroker.uniqueName("subscriber")
        try await unroutedEvent(exchange: exchange, subscriber: subscriber, id: "msg-unrouted")
        let (client, proxy) = try proxiedClient()
        defer { proxy.stop() }
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("cli-pub"), logger: logger)
        var operations = UnroutedOperations(client: client, publisher: publisher, exchange: exchange)
        operations.beforeSettling = { await Self.dropConnection(client) }
        let outcome = try await operations.republish(limit: 100) { _ in true }
        #expect(outcome.delivered == ["msg-unrouted"])
        #expect(outcome.stillParked.isEmpty && outcome.failed.isEmpty && outcome.stillUnroutable.isEmpty)
        #expect(try await count(unrouted) == 0, "the original was removed after the re-check")
        #expect(try await count(subscriber) == 1, "exactly one copy reached the subscriber")
        #expect(proxy.accepted == 3, "the acknowledgement failed and the original was removed on a new connection")
        await client.stop()
        await publisher.stop()
        await TestBroker.cleanUp(queues: [unrouted, subscriber], exchanges: [exchange, unrouted])
    }

    /// The connection cannot be had back: the copy was delivered, the original is still in the unrouted queue, and
    /// the republish says so instead of "delivered".
    @Test func aRepublishThatCannotLookAgainSaysTheOriginalMayStillWait() async throws {
        let exchange = TestBroker.uniqueName("recheck")
        let unrouted = SystemTopology.unroutedExchange(of: exchange)
        let subscriber = TestBroker.uniqueName("subscriber")
        try await unroutedEvent(exchange: exchange, subscriber: subscriber, id: "msg-lost")
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cli"), logger: logger)
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("cli-pub"), logger: logger)
        var operations = UnroutedOperations(client: client, publisher: publisher, exchange: exchange)
        operations.beforeSettling = { await client.stop() }
        operations.recheckTimeout = .seconds(1)
        let outcome = try await operations.republish(limit: 100) { _ in true }
        #expect(outcome.delivered.isEmpty, "no success that was not shown")
        #expect(outcome.stillParked.map(\.0) == ["msg-lost"])
        #expect(outcome.stillParked.first?.1.contains("may still be in \(unrouted)") == true)
        #expect(await TestBroker.eventually { (try? await count(unrouted)) == 1 }, "it still waits")
        #expect(try await count(subscriber) == 1)
        await publisher.stop()
        await TestBroker.cleanUp(queues: [unrouted, subscriber], exchanges: [exchange, unrouted])
    }
}
