import CRabbitMQ
import Foundation

/// Fuzz target `amqp-table`: any bytes as an encoded AMQP field table, the form a message's headers have on the wire.
///
/// rabbitmq-c's own decoder reads the table, as the consumer does, and KvittAMQP converts it to Swift
/// (`AMQPTableConversion.table(from:)`); then KvittAMQP converts it back (`rawTable`) and rabbitmq-c encodes it, as
/// when a retry or dead-letter copy is published. None of that may trap, and the table read back from the copy must
/// be the table read from the original, value kinds and floating-point bits included. `AMQPValue.encodedSize` must
/// equal the bytes rabbitmq-c writes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let original = decodeTable(bytes) else { return 0 }
    // Decoding replaces each invalid UTF-8 sequence with U+FFFD (three bytes), so a name that fitted in a short
    // string can outgrow it. rabbitmq-c would then write a wrong length byte, so the publisher refuses such a table
    // before encoding it (`AMQPSession.publish`); the check it uses must find every such name.
    let overlong = AMQPTableConversion.firstOverlongKey(original, limit: shortStringLimit)
    require((overlong != nil) == (longestName(in: original) > shortStringLimit), "overlong name check: \(original)")
    guard overlong == nil else { return 0 }
    // The copy can be up to three times as large as the original.
    guard let encoded = encodeTable(original, capacity: 4 * size + 4096) else {
        fail("rabbitmq-c refused to encode \(original)")
    }
    guard let copy = decodeTable(encoded) else { fail("rabbitmq-c cannot decode what it encoded from \(original)") }
    require(sameTable(original, copy), "the round trip changed the table: \(original) became \(copy)")
    require(encodeTable(copy, capacity: encoded.count + 4096) == encoded, "the copy of \(copy) encodes differently")
    // The publisher trusts this size to skip encoding tables far from the frame limit: it must be exact.
    let estimated = AMQPValue.table(original).encodedSize - 1
    require(estimated == encoded.count, "encodedSize says \(estimated), rabbitmq-c wrote \(encoded.count) bytes")
    return 0
}

/// The table rabbitmq-c decodes from `bytes`, converted by KvittAMQP; `nil` when rabbitmq-c refuses the bytes.
private func decodeTable(_ bytes: [UInt8]) -> AMQPTable? {
    let pool = DecodingPool()
    return withExtendedLifetime(pool) {
        var raw = amqp_table_t()
        var offset = 0
        let status = withAMQPBytes(bytes) { amqp_decode_table($0, pool.pool, &raw, &offset) }
        guard status == AMQP_STATUS_OK.rawValue else { return nil }
        return AMQPTableConversion.table(from: raw)
    }
}

/// The bytes rabbitmq-c encodes from the table KvittAMQP builds; `nil` when rabbitmq-c refuses it.
private func encodeTable(_ table: AMQPTable, capacity: Int) -> [UInt8]? {
    let pool = AMQPMemoryPool()
    return withExtendedLifetime(pool) {
        var raw = AMQPTableConversion.rawTable(table, pool: pool)
        return encodeWithRabbitMQ(capacity: capacity) { buffer in
            var offset = 0
            let status = amqp_encode_table(buffer, &raw, &offset)
            return status == AMQP_STATUS_OK.rawValue ? offset : Int(status)
        }
    }
}
