import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

/// A whole service (the probe) built by the host and run in-process against the real broker.
@Suite("Service runtime through the real broker")
struct ServiceRuntimeIntegrationTests {
    let logger = TestBroker.logger("runtime")

    struct RunningService {
        let service: InProcessService
        let attempts: FlakyAttempts
        var name: String { service.name }
        var exchange: String { service.exchange }
        var store: MessageStore { service.store }
    }

    func start() async throws -> RunningService {
        let attempts = FlakyAttempts()
        let definition = ServiceDefinition(
            name: "svc",
            defaultHTTPPort: 0,
            migrations: { ProbeService.migrations(&$0) },
            handlers: { registry, _ in ProbeService.register(&registry, attempts: attempts) }
        )
        let service = try await InProcessService.start(
            definition,
            environment: ["RETRY_DELAYS": "200ms,400ms", "BATCH_SIZE": "50"],
            logger: logger
        )
        return RunningService(service: service, attempts: attempts)
    }

    func stop(_ running: RunningService) async throws {
        try await running.service.stop()
    }

    func message<M: KvittMessage>(_ payload: M, id: String? = nil, exchange: String) throws -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: M.messageType.rawValue,
            properties: AMQPProperties(
                envelope: MessageEnvelope(messageID: id ?? UUID().uuidString, type: M.messageType, appID: "test")
            ),
            body: try MessageCoding.encode(payload)
        )
    }

    func tally(_ service: RunningService) async throws -> [String: (total: Int64, applications: Int)] {
        try await service.store.writer.read { db in try ProbeService.tally(db) }
    }

    @Test func theBusinessClockMovesOnlyWhereAllowedAndKeepsItsOffsetAcrossARestart() async throws {
        let definition = ProbeService.definition(name: "clock", handlerDelay: .zero)
        let plain = try await InProcessService.start(definition)
        #expect(await HTTPProbe.post(port: plain.port, path: "/v1/clock", json: #"{"advance": "30d"}"#)?.status == 404)
        try await plain.stop()

        let database = try TestBroker.temporaryDirectory().appendingPathComponent("clock.sqlite").path
        let environment = ["KVITT_ENVIRONMENT": "test", "CLOCK_CONTROL": "on", "DATABASE_PATH": database]
        let first = try await InProcessService.start(definition, environment: environment)
        #expect(await HTTPProbe.post(port: first.port, path: "/v1/clock", json: #"{"advance": "-1d"}"#)?.status == 400)
        #expect(
            await HTTPProbe.post(port: first.port, path: "/v1/clock", json: #"{"advance": "500ms"}"#)?.status == 400
        )
        let moved = await HTTPProbe.post(port: first.port, path: "/v1/clock", json: #"{"advance": "30d"}"#)
        #expect(
            moved?.status == 200 && moved?.body.contains("\"offsetSeconds\" : 2592000") == true,
            "\(moved?.body ?? "")"
        )
        try await first.stop()

        // Restarted (a crash, a deploy): the service resumes 30 days ahead, where the others still are.
        let second = try await InProcessService.start(definition, environment: environment)
        let state = await HTTPProbe.get(port: second.port, path: "/v1/clock")
        #expect(state?.body.contains("\"offsetSeconds\" : 2592000") == true, "\(state?.body ?? "")")
        try await second.stop()
        await TestBroker.cleanUp(
            services: [plain.name, first.name, second.name],
            exchanges: [plain.exchange, plain.deadLetterExchange, first.exchange, first.deadLetterExchange]
                + [second.exchange, second.deadLetterExchange]
        )
    }

    @Test func transientFailureTwiceThenSuccessHasOneEffectAfterTwoDelayedRetries() async throws {
        let service = try await start()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        let started = ContinuousClock.now
        try await publisher.publish(message(Probe.Flaky(key: "flaky", failures: 2), exchange: service.exchange))
        let done = try await TestBroker.eventually { try await tally(service)["flaky"] != nil }
        let elapsed = ContinuousClock.now - started
        #expect(done)
        #expect(try await tally(service)["flaky"]?.applications == 1, "one effect")
        #expect(service.attempts.attempts("flaky") == [0, 1, 2], "two retries, each with its retry-count header")
        #expect(elapsed >= .milliseconds(600), "waited in the 200 ms and 400 ms wait queues")
        await publisher.stop()
        try await stop(service)
    }

    @Test func poisonMessagesAreParkedWithReasonsAndConsumingGoesOn() async throws {
        let service = try await start()
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        var undecodable = try message(
            Probe.ApplyEffect(key: "x", amount: 1),
            id: "poison-body",
            exchange: service.exchange
        )
        undecodable.body = Array(#"{"key": "x", "amount": "lots"}"#.utf8)
        // An unknown type never matches a binding, so it reaches the queue only when sent to it directly.
        var unknown = try message(Probe.ApplyEffect(key: "y", amount: 1), id: "poison-type", exchange: "")
        unknown.routingKey = service.name
        unknown.properties.type = "probe.something-else.v1"
        var missingID = try message(Probe.ApplyEffect(key: "z", amount: 1), exchange: service.exchange)
        missingID.properties.messageID = nil
        let impossible = try message(
            Probe.Impossible(why: "never"),
            id: "poison-impossible",
            exchange: service.exchange
        )
        let good = try message(Probe.ApplyEffect(key: "after-poison", amount: 4), exchange: service.exchange)
        for result in await publisher.publish(batch: [undecodable, unknown, missingID, impossible, good]) {
            try result.get()
        }
        #expect(try await TestBroker.eventually { try await tally(service)["after-poison"]?.total == 4 })

        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("dlq"), logger: logger)
        var parked: [AMQPDelivery] = []
        _ = await TestBroker.eventually {
            if let next = try? await client.perform({ session in try session.get(queue: "\(service.name).dead-letter") }
            ) {
                parked.append(next)
            }
            return parked.count >= 4
        }
        let reasons = Dictionary(
            parked.map { ($0.properties.headers[FailureHeaders.reason]?.stringValue ?? "?", $0) }
        ) { first, _ in first }
        #expect(
            Set(reasons.keys) == [
                "undecodable-body", "unknown-message-type", "missing-message-id", "permanent-failure",
            ]
        )
        let body = try #require(reasons["undecodable-body"])
        #expect(body.properties.messageID == "poison-body")
        #expect(body.properties.headers[FailureHeaders.failedService]?.stringValue == service.name)
        #expect(body.properties.headers[FailureHeaders.originalRoutingKey]?.stringValue == "probe.apply-effect.v1")
        #expect(body.properties.headers[FailureHeaders.detail]?.stringValue?.contains("amount") == true)
        #expect(body.properties.headers[FailureHeaders.failedAt]?.stringValue != nil)
        #expect(body.body == undecodable.body, "the original body is kept for replay")
        #expect(reasons["unknown-message-type"]?.properties.type == "probe.something-else.v1")
        await client.stop()
        await publisher.stop()
        try await stop(service)
    }

    @Test func duplicateDeliveryHasOneEffectAndEventsArePublishedOnce() async throws {
        let service = try await start()
        let eventQueue = TestBroker.uniqueName("events")
        let eventTopology = TestBroker.queue(eventQueue, receiving: Probe.EffectApplied.self, from: service.exchange)
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("up"),
            topology: eventTopology,
            logger: logger
        )
        let once = try message(Probe.ApplyEffect(key: "dup", amount: 10), id: "same-id", exchange: service.exchange)
        for result in await publisher.publish(batch: [once, once, once]) { try result.get() }
        let second = try message(Probe.ApplyEffect(key: "dup", amount: 1), exchange: service.exchange)
        try await publisher.publish(second)
        // A sentinel after them: its event comes after theirs, so once it is in, every event of "dup" is too.
        try await publisher.publish(try message(Probe.ApplyEffect(key: "end", amount: 1), exchange: service.exchange))
        #expect(try await TestBroker.eventually { try await tally(service)["dup"]?.applications == 2 })
        #expect(try await tally(service)["dup"]?.total == 11)

        let consumer = AMQPConsumer(
            url: TestBroker.url,
            options: TestBroker.options("ev"),
            queues: [eventQueue],
            prefetch: 10,
            logger: logger
        )
        // Stopping the consumer ends its stream: a missing sentinel fails the test instead of hanging it.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(15))
            await consumer.stop()
        }
        var seen: [Probe.EffectApplied] = []
        collecting: for await batch in consumer.batches {
            seen += try batch.map { try MessageCoding.decode(Probe.EffectApplied.self, from: $0.body) }
            consumer.ack(batch.last!, multiple: true)
            if seen.contains(where: { $0.key == "end" }) { break collecting }
        }
        watchdog.cancel()
        await consumer.stop()
        let events = seen.filter { $0.key == "dup" }
        #expect(events == [Probe.EffectApplied(key: "dup", total: 10), Probe.EffectApplied(key: "dup", total: 11)])
        await publisher.stop()
        await TestBroker.cleanUp(queues: [eventQueue])
        try await stop(service)
    }
}
