import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

@Suite("Hostile messages: allow-listed copies, id reuse, size, timestamps, metric labels (in memory)")
struct HostileMessageTests {
    let store: MessageStore
    let processor: MessageProcessor

    init() throws {
        store = try MessageStore(writer: DatabaseQueue(), migrations: { ProbeService.migrations(&$0) })
        var registry = HandlerRegistry()
        ProbeService.register(&registry, attempts: FlakyAttempts())
        processor = MessageProcessor(
            serviceName: "probe",
            registry: registry,
            store: store,
            clock: ManualClock(),
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            maximumMessageBytes: 4096,
            logger: Logger(label: "test")
        )
    }

    // MARK: Copies are built from an allow-list

    static let hostileProperties = AMQPProperties(
        contentType: "application/json",
        contentEncoding: "identity",
        headers: [
            "CC": .array([.string("invoicing")]), "bcc": .array([.string("payment-matching")]),
            "x-death": .array([.table(["count": .int64(3)])]), "x-delivery-count": .int64(4),
            "x-match": .string("any"), "x-kvitt-failure-reason": .string("forged"),
            "x-kvitt-something-else": .string("a sender's own"), MessageEnvelope.causationHeader: .string("cause-1"),
            "tenant": .string("acme"),
        ],
        deliveryMode: 1,
        priority: 255,
        correlationID: "corr-1",
        replyTo: "amq.rabbitmq.reply-to",
        expiration: "1",
        messageID: "msg-1",
        timestamp: Date(timeIntervalSince1970: 1_800_000_000),
        type: "invoicing.create-invoice.v1",
        userID: "erp",
        appID: "erp-system"
    )

    @Test func aCopyKeepsWhatIdentifiesTheMessageAndDropsWhatTheBrokerActsOn() {
        let copy = ForwardedProperties.forwarded(from: Self.hostileProperties)
        #expect(copy.messageID == "msg-1")
        #expect(copy.type == "invoicing.create-invoice.v1")
        #expect(copy.contentType == "application/json")
        #expect(copy.correlationID == "corr-1")
        #expect(copy.appID == "erp-system")
        #expect(copy.timestamp == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(copy.deliveryMode == 2, "a parked copy is persistent whatever the original said")
        #expect(copy.userID == nil && copy.expiration == nil && copy.replyTo == nil && copy.priority == nil)
        #expect(copy.headers["CC"] == nil && copy.headers["bcc"] == nil)
        #expect(copy.headers["x-death"] == nil && copy.headers["x-delivery-count"] == nil)
        #expect(copy.headers["x-match"] == nil)
        #expect(copy.headers["tenant"] == .string("acme"))
        #expect(copy.headers["x-kvitt-something-else"] == .string("a sender's own"))
        #expect(copy.headers[MessageEnvelope.causationHeader] == .string("cause-1"))
    }

    @Test func aTimestampOutsideTheSupportedRangeIsNotCarriedOn() {
        var original = Self.hostileProperties
        original.timestamp = Date(timeIntervalSince1970: Double(UInt64.max))
        #expect(ForwardedProperties.forwarded(from: original).timestamp == nil)
        original.timestamp = Date(timeIntervalSince1970: -1)
        #expect(ForwardedProperties.forwarded(from: original).timestamp == nil)
    }

    @Test func senderHeadersOverTheCapAreReplacedByANote() {
        var original = Self.hostileProperties
        original.headers["big"] = .string(String(repeating: "x", count: 100_000))
        original.headers["x-kvitt-failure-detail"] = .string(String(repeating: "y", count: 50_000))
        let copy = ForwardedProperties.forwarded(from: original)
        #expect(copy.headers["big"] == nil && copy.headers["tenant"] == nil)
        #expect(copy.headers["x-kvitt-failure-detail"] == nil, "a forged giant own header is dropped too")
        let note = copy.headers[FailureHeaders.droppedHeaders]?.stringValue ?? ""
        #expect(note.contains("big") && note.contains("tenant"), "\(note)")
        #expect(AMQPValue.table(copy.headers).encodedSize < 4096)
        #expect(copy.headers[MessageEnvelope.causationHeader] == .string("cause-1"))
    }

    @Test func aDeadLetterCopyIsAllowListedAndCarriesTheFailure() {
        let topology = ServiceTopology(
            serviceName: "probe",
            messageTypes: [],
            retryPolicy: .standard,
            exchange: "kvitt",
            deadLetterExchange: "kvitt.dead-letter",
            deliveryLimit: 20
        )
        let routing = FailureRouting(topology: topology)
        var message = IncomingMessage(messageID: "msg-1", type: "invoicing.create-invoice.v1", body: [1])
        message.headers[FailureHeaders.originalRoutingKey] = .string(String(repeating: "k", count: 300))
        message.routingKey = "invoicing.create-invoice.v1"
        let copy = routing.deadLetterMessage(
            for: message,
            properties: Self.hostileProperties,
            reason: .undecodableBody,
            detail: "bad",
            at: Date(timeIntervalSince1970: 1_800_000_000)
        )
        #expect(copy.properties.userID == nil && copy.properties.expiration == nil)
        #expect(copy.properties.headers[FailureHeaders.reason] == .string("undecodable-body"))
        #expect(
            copy.properties.headers[FailureHeaders.originalRoutingKey] == .string("invoicing.create-invoice.v1"),
            "an original routing key longer than AMQP allows is forged: the delivery's own key is used"
        )
        let retry = routing.retryMessage(
            for: message,
            properties: Self.hostileProperties,
            attempt: 1,
            delay: .seconds(1),
            detail: "later"
        )
        #expect(retry.properties.expiration == nil && retry.properties.headers["CC"] == nil)
    }

    // MARK: Integers from the wire

    @Test func forgedRetryCountsAreClamped() {
        var message = IncomingMessage(messageID: "m", type: "t", body: [])
        message.headers[FailureHeaders.retryCount] = .int64(.max)
        #expect(message.retryCount == IncomingMessage.maximumRetryCount)
        message.headers[FailureHeaders.retryCount] = .int64(.min)
        #expect(message.retryCount == 0)
        message.headers[FailureHeaders.retryCount] = .uint64(.max)
        #expect(message.retryCount == 0)
        let outcome = MessageProcessor.retryOrGiveUp(message, error: CancellationError(), policy: .standard)
        if case .retry = outcome {} else if case .deadLetter = outcome {} else { Issue.record("\(outcome)") }
    }

    @Test func aForgedBundleCountDoesNotOverflowTheChunking() {
        func delivery(_ count: AMQPValue) -> AMQPDelivery {
            AMQPDelivery(
                generation: 1,
                deliveryTag: 1,
                consumerTag: "c",
                exchange: "kvitt",
                routingKey: "k",
                redelivered: false,
                properties: AMQPProperties(
                    contentType: MessageBundle.contentType,
                    headers: [MessageBundle.countHeader: count]
                ),
                body: [1]
            )
        }
        let burst = [delivery(.int64(.max)), delivery(.int64(.max)), delivery(.int64(.min)), delivery(.uint64(.max))]
        let chunks = ConsumerService.chunks(of: burst, batchSize: 100)
        #expect(chunks.flatMap { $0 }.count == 4)
    }

    // MARK: The processor

    @Test func aReusedMessageIDIsParkedNotSwallowed() async throws {
        let first = try InMemoryBus.incoming(Probe.ApplyEffect(key: "a", amount: 5), messageID: "seq-17")
        let sameAgain = try InMemoryBus.incoming(Probe.ApplyEffect(key: "a", amount: 5), messageID: "seq-17")
        let otherBody = try InMemoryBus.incoming(Probe.ApplyEffect(key: "b", amount: 9), messageID: "seq-17")
        var otherType = IncomingMessage(messageID: "seq-17", type: "probe.no-such-thing.v1", body: first.body)
        otherType.type = Probe.ApplyEffect.messageType.rawValue
        #expect(await processor.process([first]) == [.processed])
        #expect(await processor.process([sameAgain]) == [.duplicate], "a redelivery is still a duplicate")
        let outcomes = await processor.process([otherBody])
        guard case .deadLetter(.messageIDReused, let detail) = outcomes[0] else {
            Issue.record("expected message-id-reused, got \(outcomes)")
            return
        }
        #expect(detail.contains("different body"))
        let tally = try await store.writer.read { db in try ProbeService.tally(db) }
        #expect(tally["b"] == nil, "the reusing message had no effect")
        #expect(tally["a"]?.applications == 1)
    }

    @Test func theSameIDUnderAnotherTypeIsParked() throws {
        let earlier = MessageStore.InboxEntry(type: "a.b.v1", fingerprint: 1, processedAt: Date())
        guard
            case .deadLetter(.messageIDReused, let detail) = MessageProcessor.classifySeen(
                earlier,
                type: "a.c.v1",
                fingerprint: 1
            )
        else {
            Issue.record("expected message-id-reused")
            return
        }
        #expect(detail.contains("a.b.v1"))
        let legacy = MessageStore.InboxEntry(type: "a.b.v1", fingerprint: nil, processedAt: Date())
        #expect(MessageProcessor.classifySeen(legacy, type: "a.b.v1", fingerprint: 42) == .duplicate)
    }

    @Test func aBodyOverTheLimitIsParkedBeforeDecoding() async throws {
        let huge = IncomingMessage(
            messageID: "huge-1",
            type: Probe.ApplyEffect.messageType.rawValue,
            body: Array(repeating: UInt8(ascii: "x"), count: 4097)
        )
        let outcomes = await processor.process([huge])
        guard case .deadLetter(.tooLarge, let detail) = outcomes[0] else {
            Issue.record("expected too-large, got \(outcomes)")
            return
        }
        #expect(detail.contains("4097"))
    }

    @Test func aTimestampOutsideTheRangeIsParked() async throws {
        var message = try InMemoryBus.incoming(Probe.ApplyEffect(key: "t", amount: 1), messageID: "ts-1")
        message.timestamp = Date(timeIntervalSince1970: Double(UInt64.max))
        let outcomes = await processor.process([message])
        guard case .deadLetter(.invalidProperties, _) = outcomes[0] else {
            Issue.record("expected invalid-properties, got \(outcomes)")
            return
        }
    }

    @Test func unknownTypesShareOneMetricLabel() throws {
        let labels = Set(
            (0..<50).map { index in
                processor.metricLabel(for: IncomingMessage(messageID: "m", type: "x.t\(index).v1", body: []))
            }
        )
        #expect(labels == [MessageProcessor.unknownTypeLabel])
        let known = try InMemoryBus.incoming(Probe.ApplyEffect(key: "k", amount: 1))
        #expect(processor.metricLabel(for: known) == Probe.ApplyEffect.messageType.rawValue)
    }
}
