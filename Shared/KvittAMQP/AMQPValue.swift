import Foundation

/// A value in an AMQP field table (message headers, queue and exchange arguments).
///
/// Every AMQP 0-9-1 field kind that rabbitmq-c knows has a case, so a header read from the broker and
/// written back keeps its wire kind (RabbitMQ's `x-death.count` is a 64-bit `long`, `time` a timestamp).
public indirect enum AMQPValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case float(Float)
    case double(Double)
    /// A decimal: `value` × 10^-`scale`.
    case decimal(scale: UInt8, value: UInt32)
    /// A long string (field kind `S`), UTF-8.
    case string(String)
    /// Raw bytes (field kind `x`).
    case bytes([UInt8])
    case array([AMQPValue])
    case table(AMQPTable)
    /// Seconds since the epoch, as AMQP carries them.
    case timestamp(Date)
    case void

    /// The value as a string, when it is a string or UTF-8 bytes.
    public var stringValue: String? {
        switch self {
        case .string(let value): value
        case .bytes(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The value as a 64-bit integer, when it is any integer kind that fits.
    public var int64Value: Int64? {
        switch self {
        case .int8(let value): Int64(value)
        case .uint8(let value): Int64(value)
        case .int16(let value): Int64(value)
        case .uint16(let value): Int64(value)
        case .int32(let value): Int64(value)
        case .uint32(let value): Int64(value)
        case .int64(let value): value
        case .uint64(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// The value as an array, when it is one.
    public var arrayValue: [AMQPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The value as a table, when it is one.
    public var tableValue: AMQPTable? {
        if case .table(let table) = self { return table }
        return nil
    }

    /// The value as a date, when it is a timestamp.
    public var dateValue: Date? {
        if case .timestamp(let date) = self { return date }
        return nil
    }

    public var description: String {
        switch self {
        case .bool(let value): String(value)
        case .int8(let value): String(value)
        case .uint8(let value): String(value)
        case .int16(let value): String(value)
        case .uint16(let value): String(value)
        case .int32(let value): String(value)
        case .uint32(let value): String(value)
        case .int64(let value): String(value)
        case .uint64(let value): String(value)
        case .float(let value): String(value)
        case .double(let value): String(value)
        case .decimal(let scale, let value): "\(value)e-\(scale)"
        case .string(let value): value
        case .bytes(let bytes): "<\(bytes.count) bytes>"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .table(let table): table.description
        case .timestamp(let date): date.ISO8601Format()
        case .void: "void"
        }
    }
}

/// A field table: header or argument names mapped to values.
public typealias AMQPTable = [String: AMQPValue]

extension AMQPValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    /// Integer literals become 64-bit `long`s, the kind RabbitMQ expects for numeric arguments.
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AMQPValue {
    /// The bytes this value takes in an AMQP field table (type octet included), as rabbitmq-c encodes it: exact, so it
    /// can be checked against a frame without encoding.
    public var encodedSize: Int {
        switch self {
        case .bool, .int8, .uint8: 2
        case .int16, .uint16: 3
        case .int32, .uint32, .float: 5
        case .int64, .uint64, .double, .timestamp: 9
        case .decimal: 6
        case .string(let text): 5 + text.utf8.count
        case .bytes(let bytes): 5 + bytes.count
        case .array(let values): values.reduce(5) { $0 + $1.encodedSize }
        case .table(let table): table.reduce(5) { $0 + 1 + $1.key.utf8.count + $1.value.encodedSize }
        case .void: 1
        }
    }
}
