import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Kvitt

/// `kvitt dead-letters replay` when its connection is lost between the confirmed copy and the acknowledgement of the
/// original: it looks again before it says anything, and never reports a replay it could not finish.
@Suite("Dead-letter replay re-checks after a lost connection")
struct ReplayRecheckTests {
    let logger = TestBroker.logger("recheck")

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
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cli"), logger: logger)
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("cli-pub"), logger: logger)
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [service])
        operations.beforeSettling = {
            // A failed operation makes the client drop its connection and open a new one: the taken original goes
            // back to the queue, and its delivery tag means nothing on the new channel.
            _ = try? await client.perform { session in
                try session.declare(AMQPQueue(name: TestBroker.uniqueName("missing")), passive: true)
            }
        }
        let outcome = try await operations.replay(
            filter: DeadLetterFilter(ids: ["msg-recheck"]),
            dryRun: false,
            rate: nil
        )
        #expect(outcome.replayed.map(\.id) == ["msg-recheck"])
        #expect(outcome.stillParked.isEmpty && outcome.failed.isEmpty)
        #expect(try await count("\(service).dead-letter") == 0, "the original was removed after the re-check")
        #expect(try await count(service) == 1, "exactly one copy reached the service")
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
}
