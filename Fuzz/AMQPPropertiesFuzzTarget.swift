import CRabbitMQ
import Foundation

/// Fuzz target `amqp-properties`: any bytes as the encoded basic properties of a content header frame.
///
/// rabbitmq-c's own decoder reads the properties, as the consumer does, and KvittAMQP converts them to Swift
/// (`AMQPPropertiesConversion.properties(from:)`); then KvittAMQP converts them back (`raw`) and rabbitmq-c encodes
/// them, as when a retry or dead-letter copy is published. None of that may trap, and the properties read back from
/// the copy must be those read from the original.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let original = decodeProperties(bytes) else { return 0 }
    // Decoding replaces each invalid UTF-8 sequence with U+FFFD (three bytes), so a property or header name that
    // fitted in a short string can outgrow it; the publisher refuses such a message before encoding it
    // (`AMQPSession.publish`), so the round trip applies to the others.
    guard longestShortString(in: original) <= shortStringLimit else { return 0 }
    // The copy can be up to three times as large as the original.
    guard let encoded = encodeProperties(original, capacity: 4 * size + 4096) else {
        fail("rabbitmq-c refused to encode \(original)")
    }
    guard let copy = decodeProperties(encoded) else { fail("rabbitmq-c cannot decode what it encoded: \(original)") }
    require(sameProperties(original, copy), "the round trip changed the properties: \(original) became \(copy)")
    require(encodeProperties(copy, capacity: encoded.count + 4096) == encoded, "the copy encodes differently")
    return 0
}

/// The properties rabbitmq-c decodes from `bytes`, converted by KvittAMQP; `nil` when rabbitmq-c refuses them.
private func decodeProperties(_ bytes: [UInt8]) -> AMQPProperties? {
    let pool = DecodingPool()
    return withExtendedLifetime(pool) {
        var decoded: UnsafeMutableRawPointer?
        let status = withAMQPBytes(bytes) {
            amqp_decode_properties(UInt16(AMQP_BASIC_CLASS), pool.pool, $0, &decoded)
        }
        guard status == AMQP_STATUS_OK.rawValue, let decoded else { return nil }
        let raw = decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee
        return AMQPPropertiesConversion.properties(from: raw)
    }
}

/// The bytes rabbitmq-c encodes from the properties KvittAMQP builds; `nil` when rabbitmq-c refuses them.
private func encodeProperties(_ properties: AMQPProperties, capacity: Int) -> [UInt8]? {
    let pool = AMQPMemoryPool()
    return withExtendedLifetime(pool) {
        var raw = AMQPPropertiesConversion.raw(properties, pool: pool)
        return encodeWithRabbitMQ(capacity: capacity) { buffer in
            Int(amqp_encode_properties(UInt16(AMQP_BASIC_CLASS), &raw, buffer))
        }
    }
}

/// The longest short string among the properties and the header names, in UTF-8 bytes.
private func longestShortString(in properties: AMQPProperties) -> Int {
    let strings = [
        properties.contentType, properties.contentEncoding, properties.correlationID, properties.replyTo,
        properties.expiration, properties.messageID, properties.type, properties.userID, properties.appID,
    ]
    return max(strings.reduce(0) { max($0, $1?.utf8.count ?? 0) }, longestName(in: properties.headers))
}

/// Whether two sets of properties are the same, headers compared as ``sameTable(_:_:)`` does.
private func sameProperties(_ left: AMQPProperties, _ right: AMQPProperties) -> Bool {
    var leftWithoutHeaders = left
    var rightWithoutHeaders = right
    leftWithoutHeaders.headers = [:]
    rightWithoutHeaders.headers = [:]
    return leftWithoutHeaders == rightWithoutHeaders && sameTable(left.headers, right.headers)
}
