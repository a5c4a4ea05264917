import CRabbitMQ
import Foundation
import KvittTesting
import Testing

@testable import KvittAMQP

@Suite("Field tables and URLs (no broker)")
struct AMQPValueTests {
    @Test func tablesRoundTripThroughRabbitMQCStructures() {
        let table: AMQPTable = [
            "x-death": .array([
                .table([
                    "count": .int64(2), "reason": "rejected", "queue": "payment-matching",
                    "time": .timestamp(Date(timeIntervalSince1970: 1_700_000_000)),
                    "routing-keys": .array(["invoicing.invoice-issued.v1"]),
                ])
            ]),
            "u8": .uint8(200), "i16": .int16(-300), "u16": .uint16(60_000), "i32": .int32(-70_000),
            "u32": .uint32(4_000_000_000), "u64": .uint64(.max), "f": .float(1.5), "empty": .table([:]),
            "raw": .bytes([0, 1, 2]),
        ]
        let pool = AMQPMemoryPool()
        let raw = AMQPTableConversion.rawTable(table, pool: pool)
        #expect(raw.num_entries == Int32(table.count))
        #expect(AMQPTableConversion.table(from: raw) == table)
    }

    @Test func accessorsReadBrokerKinds() {
        #expect(AMQPValue.int32(7).int64Value == 7)
        #expect(AMQPValue.uint64(.max).int64Value == nil)
        #expect(AMQPValue.bytes(Array("hi".utf8)).stringValue == "hi")
        #expect(AMQPValue.string("x").int64Value == nil)
        #expect(AMQPValue.array([1, 2]).arrayValue?.count == 2)
    }

    @Test func urlParsing() throws {
        let plain = try AMQPURL(parsing: "amqp://kvitt:s%40cret@broker.example:5673/billing")
        #expect(
            plain == AMQPURL(host: "broker.example", port: 5673, user: "kvitt", password: "s@cret", vhost: "billing")
        )
        #expect(plain.description == "amqp://kvitt:***@broker.example:5673/billing")
        let defaults = try AMQPURL(parsing: "amqp://127.0.0.1")
        #expect(defaults.port == 5672 && defaults.vhost == "/" && defaults.user == "guest")
        let tls = try AMQPURL(parsing: "amqps://u:p@[::1]/%2F")
        #expect(tls.useTLS && tls.port == 5671 && tls.host == "::1" && tls.vhost == "/")
        #expect(throws: AMQPError.self) { try AMQPURL(parsing: "http://x") }
        #expect(throws: AMQPError.self) { try AMQPURL(parsing: "amqp://h:99999/") }
        #expect(throws: AMQPError.self) { try AMQPURL(parsing: "amqp://h:port/") }
    }

    @Test func unreachableBrokerIsAClearError() async throws {
        let client = AMQPClient(
            url: AMQPURL(host: "127.0.0.1", port: 1),
            options: AMQPSession.Options(connectionName: "nowhere"),
            logger: TestBroker.logger("nowhere")
        )
        await #expect(throws: AMQPError.self) { try await client.waitUntilConnected(timeout: .milliseconds(500)) }
        await client.stop()
    }
}
