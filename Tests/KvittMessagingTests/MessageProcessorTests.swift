import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

@Suite("MessageProcessor: inbox, outbox and failure policy (in memory)")
struct MessageProcessorTests {
    let store: MessageStore
    let attempts = FlakyAttempts()
    let processor: MessageProcessor

    init() throws {
        store = try MessageStore(writer: DatabaseQueue(), migrations: { ProbeService.migrations(&$0) })
        var registry = HandlerRegistry()
        ProbeService.register(&registry, attempts: attempts)
        processor = MessageProcessor(
            serviceName: "probe",
            registry: registry,
            store: store,
            clock: ManualClock(),
            retryPolicy: RetryPolicy(delays: [.seconds(1), .seconds(10)]),
            logger: Logger(label: "test")
        )
    }

    func tally() async throws -> [String: (total: Int64, applications: Int)] {
        try await store.writer.read { db in try ProbeService.tally(db) }
    }

    @Test func sameMessageTwiceHasOneEffect() async throws {
        let message = try InMemoryBus.incoming(Probe.ApplyEffect(key: "a", amount: 5), messageID: "dup-1")
        #expect(await processor.process([message]) == [.processed])
        #expect(await processor.process([message]) == [.duplicate])
        // And twice within one batch.
        let other = try InMemoryBus.incoming(Probe.ApplyEffect(key: "b", amount: 7), messageID: "dup-2")
        #expect(await processor.process([other, other]) == [.processed, .duplicate])
        let result = try await tally()
        #expect(result["a"]?.total == 5)
        #expect(result["a"]?.applications == 1)
        #expect(result["b"]?.applications == 1)
        #expect(try await store.inboxContains("dup-1"))
        #expect(try await store.outboxBacklog() == 2)
    }

    @Test func poisonMessagesAreDeadLetteredWithTheirReason() async throws {
        let good = try InMemoryBus.incoming(Probe.ApplyEffect(key: "good", amount: 1))
        let undecodable = IncomingMessage(
            messageID: "bad-body",
            type: Probe.ApplyEffect.messageType.rawValue,
            body: Array(#"{"key": 12}"#.utf8)
        )
        let unknown = IncomingMessage(messageID: "bad-type", type: "probe.no-such-thing.v1", body: Array("{}".utf8))
        let newerVersion = IncomingMessage(
            messageID: "bad-version",
            type: "probe.apply-effect.v2",
            body: Array("{}".utf8)
        )
        var missingID = try InMemoryBus.incoming(Probe.ApplyEffect(key: "x", amount: 1))
        missingID.messageID = nil
        let impossible = try InMemoryBus.incoming(Probe.Impossible(why: "no such creditor"))

        let outcomes = await processor.process([undecodable, unknown, newerVersion, missingID, impossible, good])

        guard case .deadLetter(.undecodableBody, let detail) = outcomes[0] else {
            Issue.record("expected undecodable-body, got \(outcomes[0])")
            return
        }
        #expect(detail.contains("key: expected String"))
        #expect(outcomes[1].reason == .unknownMessageType)
        #expect(outcomes[2].reason == .unknownMessageType)
        #expect(outcomes[3].reason == .missingMessageID)
        #expect(outcomes[4] == .deadLetter(.permanentFailure, detail: "impossible: no such creditor"))
        #expect(outcomes[5] == .processed)
        #expect(try await tally().keys.sorted() == ["good"])
    }

    @Test func transientFailureRetriesThroughTheTiersThenGivesUp() async throws {
        var message = try InMemoryBus.incoming(Probe.Flaky(key: "f", failures: 5), messageID: "flaky-1")
        #expect(
            await processor.process([message]) == [
                .retry(attempt: 1, delay: .seconds(1), detail: "TransientProbeError()")
            ]
        )
        message.headers[FailureHeaders.retryCount] = .int64(1)
        #expect(
            await processor.process([message]) == [
                .retry(attempt: 2, delay: .seconds(10), detail: "TransientProbeError()")
            ]
        )
        message.headers[FailureHeaders.retryCount] = .int64(2)
        let last = await processor.process([message])
        #expect(last == [.deadLetter(.retriesExhausted, detail: "after 2 retries: TransientProbeError()")])
        // Every failed attempt's writes were rolled back, and it never reached the inbox.
        #expect(try await tally()["f"] == nil)
        #expect(try await store.inboxContains("flaky-1") == false)
        #expect(attempts.attempts("f") == [0, 1, 2])
    }

    @Test func failingHandlerDoesNotDisturbTheRestOfTheBatch() async throws {
        let before = try InMemoryBus.incoming(Probe.ApplyEffect(key: "before", amount: 1))
        let flaky = try InMemoryBus.incoming(Probe.Flaky(key: "flaky", failures: 1))
        let after = try InMemoryBus.incoming(Probe.ApplyEffect(key: "after", amount: 1))
        let outcomes = await processor.process([before, flaky, after])
        #expect(outcomes[0] == .processed)
        #expect(outcomes[1].isRetry)
        #expect(outcomes[2] == .processed)
        let result = try await tally()
        #expect(result.keys.sorted() == ["after", "before"])
        // Only the two committed effects left events in the outbox.
        #expect(try await store.outboxBacklog() == 2)
    }

    @Test func eventsCarryTheCausingMessageAsCauseAndItsCorrelation() async throws {
        let message = try InMemoryBus.incoming(
            Probe.ApplyEffect(key: "c", amount: 3),
            messageID: "cause-1",
            correlationID: "flow-9"
        )
        _ = await processor.process([message])
        let row = try await store.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT type, correlation_id, causation_id, app_id, body FROM kvitt_outbox")
                .map {
                    (
                        $0["type"] as String, $0["correlation_id"] as String?, $0["causation_id"] as String?,
                        $0["app_id"] as String?, [UInt8]($0["body"] as Data)
                    )
                }
        }
        let (type, correlation, causation, app, body) = try #require(row)
        #expect(type == "probe.effect-applied.v1")
        #expect(correlation == "flow-9")
        #expect(causation == "cause-1")
        #expect(app == "probe")
        #expect(
            try MessageCoding.decode(Probe.EffectApplied.self, from: body) == Probe.EffectApplied(key: "c", total: 3)
        )
    }

    @Test func registeringATypeTwiceFailsLoudly() async {
        await #expect(processExitsWith: .failure) {
            var registry = HandlerRegistry()
            ProbeService.register(&registry)
            ProbeService.register(&registry)
        }
    }
}

extension ProcessingOutcome {
    var reason: FailureReason? {
        if case .deadLetter(let reason, _) = self { return reason }
        return nil
    }

    var isRetry: Bool {
        if case .retry = self { return true }
        return false
    }
}
