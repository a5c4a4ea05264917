import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Logging
import Testing

@testable import KvittMessaging

/// Hostile messages from another client, straight onto a running service's queue through the real broker: each is
/// parked with a reason, no parked copy can be refused, expire or be routed elsewhere, and the service keeps consuming.
@Suite("Hostile messages through the real broker")
struct HostileBrokerTests {
    let logger = TestBroker.logger("hostile")

    func tally(_ service: InProcessService) async throws -> [String: (total: Int64, applications: Int)] {
        try await service.store.writer.read { db in try ProbeService.tally(db) }
    }

    @Test func aBarrageIsParkedWithReasonsAndTheServiceKeepsConsuming() async throws {
        let service = try await InProcessService.start(
            ProbeService.definition(name: "hostile", handlerDelay: .zero),
            environment: ["MAX_MESSAGE_BYTES": "65536", "RETRY_DELAYS": "100ms"],
            logger: logger
        )
        // A queue that a carried-on CC/BCC would reach: bound to the dead-letter exchange under its own key.
        let bystander = TestBroker.uniqueName("bystander")
        let erpURL = try await TestBroker.user("kvitt-test-erp", password: "erp-secret")
        let upstream = AMQPClient(url: erpURL, options: TestBroker.options("erp"), logger: logger)
        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("inspect"), logger: logger)
        try await client.perform { session in
            try session.declare(AMQPQueue(name: bystander, durable: false, autoDelete: false))
            try session.bind(
                AMQPBinding(queue: bystander, exchange: service.deadLetterExchange, routingKey: "bystander-key")
            )
        }
        let type = Probe.ApplyEffect.messageType.rawValue
        func hostile(_ id: String, body: [UInt8] = Array("{not json".utf8), _ change: (inout AMQPProperties) -> Void)
            -> AMQPOutgoingMessage
        {
            var properties = AMQPProperties(contentType: "application/json", messageID: id, type: type)
            change(&properties)
            return AMQPOutgoingMessage(exchange: "", routingKey: service.name, properties: properties, body: body)
        }
        let valid = try MessageCoding.encode(Probe.ApplyEffect(key: "valid", amount: 1))
        var nested = AMQPValue.string("bottom")
        for _ in 0..<500 { nested = .array([nested]) }
        let barrage: [(message: AMQPOutgoingMessage, reason: FailureReason)] = [
            (hostile("user-id") { $0.userID = "kvitt-test-erp" }, .undecodableBody),
            (
                hostile("cc-bcc") { $0.headers = ["CC": .array(["bystander-key"]), "BCC": .array(["bystander-key"])] },
                .undecodableBody
            ),
            (hostile("expires") { $0.expiration = "1" }, .undecodableBody),
            (
                hostile("reply-priority") {
                    $0.replyTo = "bystander-key"; $0.priority = 255
                }, .undecodableBody
            ),
            (
                hostile("huge-headers") { $0.headers = ["blob": .string(String(repeating: "h", count: 120_000))] },
                .undecodableBody
            ),
            (hostile("nested") { $0.headers = ["deep": nested] }, .undecodableBody),
            (
                hostile("timestamp-max", body: valid) {
                    $0.timestamp = Date(timeIntervalSince1970: Double(UInt64.max))
                },
                .invalidProperties
            ),
            (
                hostile("bundle-count-max", body: valid) {
                    $0.contentType = MessageBundle.contentType
                    $0.headers = [MessageBundle.countHeader: .int64(.max)]
                }, .undecodableBody
            ),
            (
                hostile("forged-retries", body: try MessageCoding.encode(Probe.Flaky(key: "forged", failures: .max))) {
                    $0.type = Probe.Flaky.messageType.rawValue
                    $0.headers = [FailureHeaders.retryCount: .int64(.max)]
                }, .retriesExhausted
            ),
            (hostile("too-large", body: Array(repeating: UInt8(ascii: " "), count: 70_000)) { _ in }, .tooLarge),
            (hostile("invalid-utf8", body: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) { _ in }, .undecodableBody),
            (hostile("reused", body: valid) { _ in }, .messageIDReused),
        ]
        // The id that "reused" reuses is processed first, with another body.
        let original = try MessageCoding.encode(Probe.ApplyEffect(key: "original", amount: 2))
        let reusedFirst = hostile("reused", body: original) { _ in }
        try await upstream.perform { session in try session.publish(reusedFirst) }
        #expect(try await TestBroker.eventually { try await tally(service)["original"]?.total == 2 })
        let messages = barrage.map(\.message)
        try await upstream.perform { session in
            for message in messages { try session.publish(message) }
        }
        // Then an ordinary message: it is processed promptly.
        let sent = ContinuousClock.now
        var ordinary = try service.message(Probe.ApplyEffect(key: "after", amount: 3))
        ordinary.exchange = ""
        ordinary.routingKey = service.name
        let after = ordinary
        try await upstream.perform { session in try session.publish(after) }
        #expect(
            try await TestBroker.eventually(timeout: .seconds(20)) { try await tally(service)["after"]?.total == 3 }
        )
        // Every other suite runs at the same time on two cores here, so the bound is loose; the hostile-input suite
        // (Tests/Hostile), which runs alone, holds the services to one second.
        let latency = ContinuousClock.now - sent
        #expect(latency < .seconds(20), "an ordinary message after the barrage took \(latency)")

        // Every hostile message is parked, with its reason, and none of the copies carries what the broker acts on.
        var parked: [String: AMQPDelivery] = [:]
        _ = await TestBroker.eventually(timeout: .seconds(10)) {
            while let next = try? await client.perform({ session in
                try session.get(queue: "\(service.name).dead-letter")
            }) {
                parked[next.properties.messageID ?? "?"] = next
            }
            return parked.count >= barrage.count
        }
        for entry in barrage {
            let id = entry.message.properties.messageID ?? "?"
            guard let copy = parked[id] else {
                Issue.record("\(id) was not parked")
                continue
            }
            #expect(copy.properties.headers[FailureHeaders.reason]?.stringValue == entry.reason.rawValue, "\(id)")
            #expect(copy.properties.userID == nil && copy.properties.expiration == nil, "\(id)")
            #expect(copy.properties.replyTo == nil && copy.properties.priority == nil, "\(id)")
            #expect(copy.properties.headers["CC"] == nil && copy.properties.headers["BCC"] == nil, "\(id)")
        }
        #expect(parked["huge-headers"]?.properties.headers[FailureHeaders.droppedHeaders] != nil)
        // The copy that had expiration "1" is still there seconds later (it was taken and requeued above, not acked):
        // and nothing reached the bystander queue through CC or BCC.
        let bystanderCount = try await client.perform { session in
            try session.declare(AMQPQueue(name: bystander, durable: false, autoDelete: false), passive: true).messages
        }
        #expect(bystanderCount == 0)
        let ready = await HTTPProbe.get(port: service.port, path: "/health/ready")
        #expect(ready?.status == 200, "\(ready?.body ?? "no answer")")
        await upstream.stop()
        await client.stop()
        await TestBroker.cleanUp(queues: [bystander])
        try await service.stop()
    }
}
