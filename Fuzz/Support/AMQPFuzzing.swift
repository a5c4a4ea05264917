import CRabbitMQ
import Foundation

/// A rabbitmq-c memory pool of the fuzz run's own, for what rabbitmq-c's decoders allocate: KvittAMQP's
/// `AMQPMemoryPool` keeps its pool private, as it should.
final class DecodingPool {
    let pool: UnsafeMutablePointer<amqp_pool_t>

    init() {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, 4096)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }
}

/// The longest short string AMQP 0-9-1 can carry (a one-byte length): header names and the string properties.
let shortStringLimit = 255

/// Runs `body` with `bytes` as an `amqp_bytes_t` that rabbitmq-c may read (never write).
func withAMQPBytes<Result>(_ bytes: [UInt8], _ body: (amqp_bytes_t) -> Result) -> Result {
    bytes.withUnsafeBytes { buffer in
        body(amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
    }
}

/// Runs a rabbitmq-c encoder into a buffer of `capacity` bytes; the encoded bytes, or `nil` when it refused.
/// `encode` returns the encoded length, or a negative rabbitmq-c status.
func encodeWithRabbitMQ(capacity: Int, _ encode: (amqp_bytes_t) -> Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: capacity)
    let length = buffer.withUnsafeMutableBytes { raw in
        encode(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress))
    }
    guard length >= 0 else { return nil }
    require(length <= capacity, "rabbitmq-c reports \(length) bytes written into \(capacity)")
    return Array(buffer.prefix(length))
}

/// Whether two field values are the same, floating-point values compared bit for bit: a header copied from one
/// message to another must keep its bits, and NaN is not equal to itself under `==`.
func sameValue(_ left: AMQPValue, _ right: AMQPValue) -> Bool {
    switch (left, right) {
    case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
    case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
    case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(sameValue)
    case (.table(let a), .table(let b)): return sameTable(a, b)
    default: return left == right
    }
}

/// Whether two tables have the same names with the same values, compared as ``sameValue(_:_:)`` does.
func sameTable(_ left: AMQPTable, _ right: AMQPTable) -> Bool {
    left.count == right.count
        && left.allSatisfy { name, value in right[name].map { sameValue(value, $0) } ?? false }
}

/// The longest header name anywhere in a table, nested tables included, in UTF-8 bytes.
func longestName(in table: AMQPTable) -> Int {
    table.reduce(0) { longest, entry in max(longest, entry.key.utf8.count, longestName(in: entry.value)) }
}

private func longestName(in value: AMQPValue) -> Int {
    switch value {
    case .table(let table): longestName(in: table)
    case .array(let values): values.reduce(0) { max($0, longestName(in: $1)) }
    default: 0
    }
}
