import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Synchronization
import Testing

@testable import Kvitt

/// A probe service whose effect handler refuses everything while its gate is closed: messages park in the
/// dead-letter queue, and replays succeed once the gate opens.
final class Gate: Sendable {
    private let open = Mutex(false)
    var isOpen: Bool { open.withLock { $0 } }
    func set(_ value: Bool) { open.withLock { $0 = value } }
}

struct GatedHandler: MessageHandler {
    let gate: Gate
    func handle(_ message: Probe.ApplyEffect, context: HandlerContext) throws {
        guard gate.isOpen else {
            throw PermanentFailure(reason: "gate-closed", detail: "the probe refuses \(message.key)")
        }
        try context.db.execute(
            sql: """
                INSERT INTO probe_tally (key, total, applications) VALUES (?, ?, 1)
                ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, applications = applications + 1
                """,
            arguments: [message.key, message.amount]
        )
    }
}

@Suite("Dead-letter operations against the real broker")
struct DeadLetterOperationsTests {
    let logger = TestBroker.logger("cli")

    /// A probe service that parks every effect while `gate` is closed.
    func startGated(_ name: String, gate: Gate) async throws -> InProcessService {
        let definition = ServiceDefinition(
            name: name,
            defaultHTTPPort: 0,
            migrations: { ProbeService.migrations(&$0) },
            handlers: { registry, _ in registry.register(GatedHandler(gate: gate)) }
        )
        return try await InProcessService.start(definition, logger: logger)
    }

    @Test func listFilterDryRunReplayIdempotenceFailAgainAndPurge() async throws {
        let gate = Gate()
        let service = try await startGated("gated", gate: gate)
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        for key in ["a", "b", "c"] {
            try await publisher.publish(service.message(Probe.ApplyEffect(key: key, amount: 1), id: "msg-\(key)"))
        }
        var malformed = try service.message(Probe.ApplyEffect(key: "x", amount: 1), id: "msg-bad")
        malformed.body = Array("not json".utf8)
        try await publisher.publish(malformed)

        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cli"), logger: logger)
        try await client.waitUntilConnected()
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [service.name])
        operations.routes = DeadLetterRoutes(exchange: service.exchange, deadLetterExchange: service.deadLetterExchange)
        #expect(await TestBroker.eventually { (try? await operations.list(filter: DeadLetterFilter()).count) == 4 })
        let gated = try await operations.list(filter: DeadLetterFilter(reason: "permanent-failure"))
        #expect(Set(gated.map(\.id)) == ["msg-a", "msg-b", "msg-c"])
        #expect(gated.allSatisfy { $0.type == "probe.apply-effect.v1" && $0.failedService == service.name })

        // A dry run changes nothing.
        let dry = try await operations.replay(filter: DeadLetterFilter(ids: ["msg-a"]), dryRun: true, rate: nil)
        #expect(dry.replayed.map(\.id) == ["msg-a"])
        #expect(try await operations.list(filter: DeadLetterFilter()).count == 4)

        // Open the gate and replay a and b: each takes effect once.
        gate.set(true)
        let replayed = try await operations.replay(
            filter: DeadLetterFilter(ids: ["msg-a", "msg-b"]),
            dryRun: false,
            rate: 10
        )
        #expect(Set(replayed.replayed.map(\.id)) == ["msg-a", "msg-b"])
        #expect(await TestBroker.eventually { (try? await tally(service)["b"]?.applications) == 1 })
        #expect(try await operations.list(filter: DeadLetterFilter()).map(\.id).sorted() == ["msg-bad", "msg-c"])

        // Replaying a message that already took effect changes nothing: park a copy of b again and replay it.
        var copy = try service.message(Probe.ApplyEffect(key: "b", amount: 1), id: "msg-b")
        copy.exchange = service.deadLetterExchange
        copy.routingKey = service.name
        copy.properties.headers[FailureHeaders.reason] = "permanent-failure"
        try await publisher.publish(copy)
        #expect(
            await TestBroker.eventually {
                (try? await operations.list(filter: DeadLetterFilter(ids: ["msg-b"])).count) == 1
            }
        )
        let again = try await operations.replay(filter: DeadLetterFilter(ids: ["msg-b"]), dryRun: false, rate: nil)
        #expect(again.replayed.map(\.id) == ["msg-b"])
        // The queue is handled in order: once a message sent after the replay took effect, the replay was handled.
        try await publisher.publish(try service.message(Probe.ApplyEffect(key: "sentinel", amount: 1)))
        #expect(await TestBroker.eventually { (try? await tally(service)["sentinel"]?.applications) == 1 })
        #expect(try await tally(service)["b"]?.applications == 1, "the inbox made the second replay a no-op")

        // A message that fails again returns to the dead-letter queue with its replay counted.
        gate.set(false)
        _ = try await operations.replay(filter: DeadLetterFilter(ids: ["msg-c"]), dryRun: false, rate: nil)
        #expect(
            await TestBroker.eventually {
                (try? await operations.list(filter: DeadLetterFilter(ids: ["msg-c"])).first?.replayCount) == 1
            }
        )

        // Edit and replay: a corrected body goes out as a new message referencing the original, which stays parked.
        let bad = try #require(try await operations.list(filter: DeadLetterFilter(ids: ["msg-bad"])).first)
        // The probe's test-only type is not in the services' catalogue: check against it directly.
        let probeContract: ([UInt8], String) throws -> Void = { body, _ in
            _ = try MessageCoding.decode(Probe.ApplyEffect.self, from: body)
        }
        #expect(throws: CLIError.self) {
            try DeadLetterOperations.correction(
                of: bad,
                body: Array(#"{"key": 1}"#.utf8),
                routes: DeadLetterRoutes(),
                validate: probeContract
            )
        }
        gate.set(true)
        let (corrected, newID) = try DeadLetterOperations.correction(
            of: bad,
            body: Array(#"{"key": "x", "amount": 5}"#.utf8),
            routes: operations.routes,
            validate: probeContract
        )
        #expect(corrected.properties.headers["x-kvitt-corrects"]?.stringValue == "msg-bad")
        try await publisher.publish(corrected)
        #expect(await TestBroker.eventually { (try? await tally(service)["x"]?.total) == 5 })
        #expect(newID != "msg-bad")
        #expect(
            try await operations.list(filter: DeadLetterFilter(ids: ["msg-bad"])).count == 1,
            "the original is kept"
        )
        gate.set(false)

        // Purge what the filter selects, nothing else.
        let purged = try await operations.purge(filter: DeadLetterFilter(reason: "undecodable-body"))
        #expect(purged.map(\.id) == ["msg-bad"])
        #expect(try await operations.list(filter: DeadLetterFilter()).map(\.id) == ["msg-c"])

        // The replay ledger.
        let audit = try ReplayAudit(
            path: try TestBroker.temporaryDirectory().appendingPathComponent("audit.sqlite").path
        )
        try audit.record(replayed.replayed.map { CLI.auditEntry($0, at: Date(), outcome: "replayed") })
        #expect(try audit.history(limit: 10).map(\.messageID).sorted() == ["msg-a", "msg-b"])

        await client.stop()
        await publisher.stop()
        try await service.stop()
    }

    func tally(_ service: InProcessService) async throws -> [String: (total: Int64, applications: Int)] {
        try await service.store.writer.read { db in try ProbeService.tally(db) }
    }

    /// A bundle the broker parked whole: purge and replay of one message in it act on that message alone (the others
    /// are parked again one by one), and a corrected message stays parked, marked, and is passed over by replay --all.
    @Test func oneMessageOfAParkedBundleIsActedOnAloneAndCorrectedOnesAreNotReplayedTwice() async throws {
        let gate = Gate()
        let service = try await startGated("gated-bundle", gate: gate)
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        var properties = AMQPProperties(
            contentType: MessageBundle.contentType,
            headers: [
                MessageBundle.countHeader: .int64(3), "x-first-death-reason": .string("rejected"),
                FailureHeaders.failedService: .string(service.name),
            ],
            messageID: "bundle-9",
            type: Probe.ApplyEffect.messageType.rawValue
        )
        properties.deliveryMode = 2
        let body = MessageBundle.encode(
            (1...3).map { .init(messageID: "inner-\($0)", body: Array(#"{"key":"k\#($0)","amount":\#($0)}"#.utf8)) }
        )
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: "",
                routingKey: "\(service.name).dead-letter",
                properties: properties,
                body: body
            )
        )
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("cli"), logger: logger)
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [service.name])
        operations.routes = DeadLetterRoutes(exchange: service.exchange, deadLetterExchange: service.deadLetterExchange)
        #expect(await TestBroker.eventually { (try? await operations.list(filter: DeadLetterFilter()).count) == 1 })

        let purged = try await operations.purge(filter: DeadLetterFilter(ids: ["inner-2"]))
        #expect(purged.map(\.id) == ["inner-2"])
        #expect(try await operations.list(filter: DeadLetterFilter()).map(\.id).sorted() == ["inner-1", "inner-3"])

        gate.set(true)
        let replayed = try await operations.replay(filter: DeadLetterFilter(ids: ["inner-1"]), dryRun: false, rate: nil)
        #expect(replayed.replayed.map(\.id) == ["inner-1"])
        #expect(await TestBroker.eventually { (try? await tally(service)["k1"]?.applications) == 1 })
        #expect(try await operations.list(filter: DeadLetterFilter()).map(\.id) == ["inner-3"])

        #expect(try await operations.markCorrected("inner-3", by: "corrected-3"))
        let marked = try #require(try await operations.list(filter: DeadLetterFilter()).first)
        #expect(marked.id == "inner-3" && marked.correctedBy == "corrected-3")
        #expect(marked.reasonShown.contains("corrected as corrected-3"))
        let all = try await operations.replay(filter: DeadLetterFilter(), dryRun: false, rate: nil)
        #expect(all.replayed.isEmpty, "replay --all passes a corrected dead letter over")
        #expect(try await operations.list(filter: DeadLetterFilter()).map(\.id) == ["inner-3"], "kept for audit")
        #expect(try await tally(service)["k3"] == nil)
        await client.stop()
        await publisher.stop()
        try await service.stop()
    }

    @Test func aBundleParkedWholeIsFoundByItsMessagesAndCorrectedAsPlainJSON() throws {
        var properties = AMQPProperties(
            contentType: MessageBundle.contentType,
            messageID: "bundle-1",
            type: "probe.apply-effect.v1"
        )
        properties.headers[MessageBundle.countHeader] = .int64(2)
        properties.headers["x-first-death-reason"] = .string("rejected")
        let body = MessageBundle.encode([
            .init(messageID: "inner-1", body: Array(#"{"key":"a","amount":1}"#.utf8)),
            .init(messageID: "inner-2", body: Array(#"{"key":"b","amount":2}"#.utf8)),
        ])
        let letter = DeadLetter(
            service: "probe",
            delivery: AMQPDelivery.received(properties: properties, body: body)
        )
        #expect(letter.bundledIDs == ["inner-1", "inner-2"])
        #expect(letter.typeShown == "probe.apply-effect.v1 (bundle of 2)")
        #expect(DeadLetterFilter(ids: ["inner-2"]).matches(letter), "found by a message in it, as the logs name it")
        #expect(!DeadLetterFilter(ids: ["inner-3"]).matches(letter))
        let (corrected, _) = try DeadLetterOperations.correction(
            of: letter,
            body: Array(#"{"key":"b","amount":2}"#.utf8),
            routes: DeadLetterRoutes(),
            validate: { _, _ in }
        )
        #expect(corrected.properties.contentType == MessageEnvelope.jsonContentType)
        #expect(corrected.properties.headers[MessageBundle.countHeader] == nil)
        #expect(
            letter.replayMessage(DeadLetterRoutes()).properties.contentType == MessageBundle.contentType,
            "a replay is the bundle"
        )
    }

    @Test(arguments: [
        ("amqp://guest:guest@127.0.0.1:1/", "cannot reach the broker"),
        ("amqp://nobody:wrong@127.0.0.1:5672/", "cannot reach the broker"),
    ])
    func brokerProblemsAreOneClearLine(url: String, expected: String) async throws {
        let run = try await CommandRun.kvitt(
            ["dead-letters", "list", "--timeout", "1"],
            environment: ["AMQP_URL": url]
        )
        let output = run.errors
        #expect(run.status == 2)
        #expect(output.hasPrefix("kvitt: \(expected)"))
        #expect(output.split(separator: "\n").count == 1, "one line, no stack trace")
        #expect(!output.contains("wrong"), "the password is not echoed")
    }
}
