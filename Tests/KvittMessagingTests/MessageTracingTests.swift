import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

/// W3C trace context on messages: what is read from a message's headers, what a service sends on, and that no trace
/// header, however broken, can make a message fail.
@Suite("Trace context on messages")
struct MessageTracingTests {
    let traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func aTraceParentGivesItsTraceAndSpanIDs() throws {
        let ids = try #require(MessageTracing.ids(ofTraceParent: traceParent))
        #expect(ids.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(ids.spanID == "00f067aa0ba902b7")
        #expect(
            MessageTracing.ids(ofTraceParent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later") != nil
        )
    }

    @Test(
        "what is not a traceparent gives no ids",
        arguments: [
            "", "00", "garbage", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "00-19811218987619811218987619811218-x-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ]
    )
    func notATraceParent(_ text: String) {
        #expect(MessageTracing.ids(ofTraceParent: text) == nil)
    }

    @Test func onlyW3CTraceContextIsReadFromTheHeaders() {
        let read = { (parent: AMQPValue, state: AMQPValue?) in
            var headers: AMQPTable = [MessageEnvelope.traceParentHeader: parent]
            headers[MessageEnvelope.traceStateHeader] = state
            return MessageTracing.read(headers)
        }
        #expect(
            read(.string(traceParent), .string("vendor=1,other@tenant=x y")) == (
                traceParent, "vendor=1,other@tenant=x y"
            )
        )
        #expect(read(.bytes(Array(traceParent.utf8)), nil).parent == traceParent, "a long string sent as bytes is text")
        for parent: AMQPValue in [
            .int64(7), .table([:]), .bytes([0xFF, 0xFE]), .string(traceParent.uppercased()),
            .string(traceParent + "-later"), .string("01" + traceParent.dropFirst(2)),
            .string("00-\(String(repeating: "0", count: 32))-00f067aa0ba902b7-01"),
            .string("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
            .string(String(repeating: "a", count: 55)),
            .string(traceParent.replacingOccurrences(of: "-01", with: "\n1")),
        ] {
            #expect(read(parent, .string("vendor=1")) == (nil, nil), "\(parent)")
        }
        // A broken tracestate is dropped alone; the trace goes on.
        for state in [
            "=v", "k", "k=", "K=v", "k=v,", "k=v=w", "k=v ", "k=\u{7}", String(repeating: "k=v,", count: 32) + "k=v",
            "k=" + String(repeating: "v", count: 257), "k=v\nforged=1",
        ] {
            #expect(read(.string(traceParent), .string(state)) == (traceParent, nil), "\(state)")
        }
    }

    @Test func theEnvelopesTraceTravelsInTheHeaders() {
        let envelope = MessageEnvelope(type: Probe.ApplyEffect.messageType, traceParent: traceParent, traceState: "k=v")
        let properties = AMQPProperties(envelope: envelope)
        #expect(properties.headers[MessageEnvelope.traceParentHeader]?.stringValue == traceParent)
        #expect(properties.headers[MessageEnvelope.traceStateHeader]?.stringValue == "k=v")
        let untraced = AMQPProperties(envelope: MessageEnvelope(type: Probe.ApplyEffect.messageType))
        #expect(untraced.headers[MessageEnvelope.traceParentHeader] == nil)
    }

    @Test func traceIDsInLogsAreNeverMaskedAndNothingElsePassesUnderTheirKeys() {
        let lines = LogMaskingTests.Lines()
        var logger = LogMaskingTests.logger(.json, lines)
        // Ten digits in a row, shaped like an organisationsnummer: masked anywhere else.
        logger[metadataKey: MessageTracing.traceIDKey] = "4bf92f3577b34da6a3ce5566778899ab"
        logger[metadataKey: MessageTracing.spanIDKey] = "00f067aa0ba902b7"
        logger.info("traced", metadata: ["other": "4bf92f3577b34da6a3ce5566778899ab"])
        logger[metadataKey: MessageTracing.traceIDKey] = "pnr 198112189876"
        logger.info("forged")
        let written = lines.all
        #expect(written.first?.contains(#""trace_id":"4bf92f3577b34da6a3ce5566778899ab""#) == true, "\(written)")
        #expect(written.first?.contains(#""span_id":"00f067aa0ba902b7""#) == true)
        #expect(written.first?.contains(#""other":"4bf92f3577b34da6a3ce5566778899ab""#) == false, "masked elsewhere")
        #expect(written.last?.contains("198112189876") == false, "a value that is no trace id is masked")
    }

    /// Through the real broker, in a test process whose tracer writes nothing: the trace a command arrived with is
    /// what its events carry, written to the outbox and published with them.
    @Test func aCommandsTraceReachesItsEventsThroughTheOutbox() async throws {
        let service = try await InProcessService.start(
            ProbeService.definition(name: "traced", handlerDelay: .zero),
            logger: TestBroker.logger("traced")
        )
        let recorder = try await EventRecorder(
            exchange: service.exchange,
            patterns: [
                Probe.EffectApplied.messageType.rawValue
            ]
        )
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("up"),
            logger: TestBroker.logger("up")
        )
        var traced = try service.message(Probe.ApplyEffect(key: "traced", amount: 5), id: "traced-1")
        traced.properties.headers[MessageEnvelope.traceParentHeader] = .string(traceParent)
        traced.properties.headers[MessageEnvelope.traceStateHeader] = .string("vendor=1")
        var broken = try service.message(Probe.ApplyEffect(key: "broken", amount: 1), id: "broken-1")
        broken.properties.headers[MessageEnvelope.traceParentHeader] = .table(["nested": .string(traceParent)])
        broken.properties.headers[MessageEnvelope.traceStateHeader] = .string(String(repeating: "x", count: 100_000))
        for result in await publisher.publish(batch: [traced, broken]) { try result.get() }
        #expect(await recorder.wait(for: Probe.EffectApplied.self) { $0.key == "broken" } != nil, "a broken header")
        #expect(await recorder.wait(for: Probe.EffectApplied.self) { $0.key == "traced" } != nil)
        let headers = { (key: String) in
            recorder.deliveries.first {
                (try? MessageCoding.decode(Probe.EffectApplied.self, from: $0.body).key) == key
            }?.properties.headers
        }
        #expect(headers("traced")?[MessageEnvelope.traceParentHeader]?.stringValue == traceParent)
        #expect(headers("traced")?[MessageEnvelope.traceStateHeader]?.stringValue == "vendor=1")
        #expect(headers("broken")?[MessageEnvelope.traceParentHeader] == nil, "nothing made up from a broken header")
        #expect(headers("broken")?[MessageEnvelope.traceStateHeader] == nil)
        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}
