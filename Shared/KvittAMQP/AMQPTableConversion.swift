import CRabbitMQ
import Foundation

/// Converts between rabbitmq-c's `amqp_table_t` and ``AMQPTable``.
///
/// Reading copies every byte into Swift values, so the result outlives the connection's buffers.
/// Writing allocates from an ``AMQPMemoryPool`` that must outlive the C call that uses the table.
enum AMQPTableConversion {
    /// How deeply tables and arrays may nest in a header read from the wire. A frame can carry thousands of levels,
    /// and converting them recursively would exhaust the connection thread's stack; deeper values become
    /// ``nestedTooDeep``, which keeps the message readable (and parkable) without trusting the nesting.
    static let maximumNesting = 32
    /// What stands in for a value nested deeper than ``maximumNesting``.
    static let nestedTooDeep = AMQPValue.string("(nested too deep)")

    static func table(from raw: amqp_table_t, depth: Int = 0) -> AMQPTable {
        var table: AMQPTable = [:]
        guard raw.num_entries > 0, let entries = raw.entries else { return table }
        for index in 0..<Int(raw.num_entries) {
            let entry = entries[index]
            table[String(decoding: bytes(entry.key), as: UTF8.self)] = value(from: entry.value, depth: depth + 1)
        }
        return table
    }

    /// The first key, at any depth, longer than `limit` bytes: AMQP cannot encode it.
    static func firstOverlongKey(_ table: AMQPTable, limit: Int) -> String? {
        for (key, value) in table {
            if key.utf8.count > limit { return key }
            if let nested = firstOverlongKey(value, limit: limit) { return nested }
        }
        return nil
    }

    private static func firstOverlongKey(_ value: AMQPValue, limit: Int) -> String? {
        switch value {
        case .table(let table): firstOverlongKey(table, limit: limit)
        case .array(let values): values.lazy.compactMap { firstOverlongKey($0, limit: limit) }.first
        default: nil
        }
    }

    static func value(from raw: amqp_field_value_t, depth: Int = 0) -> AMQPValue {
        let kind = Kind(raw.kind)
        if depth > maximumNesting, kind == .table || kind == .array { return nestedTooDeep }
        return switch kind {
        case .boolean: .bool(raw.value.boolean != 0)
        case .i8: .int8(raw.value.i8)
        case .u8: .uint8(raw.value.u8)
        case .i16: .int16(raw.value.i16)
        case .u16: .uint16(raw.value.u16)
        case .i32: .int32(raw.value.i32)
        case .u32: .uint32(raw.value.u32)
        case .i64: .int64(raw.value.i64)
        case .u64: .uint64(raw.value.u64)
        case .f32: .float(raw.value.f32)
        case .f64: .double(raw.value.f64)
        case .decimal: .decimal(scale: raw.value.decimal.decimals, value: raw.value.decimal.value)
        case .utf8: .string(String(decoding: bytes(raw.value.bytes), as: UTF8.self))
        case .bytes: .bytes(bytes(raw.value.bytes))
        case .timestamp: .timestamp(Date(timeIntervalSince1970: TimeInterval(raw.value.u64)))
        case .table: .table(table(from: raw.value.table, depth: depth))
        case .array: .array(array(from: raw.value.array, depth: depth))
        case .void, .none: .void
        }
    }

    static func array(from raw: amqp_array_t, depth: Int = 0) -> [AMQPValue] {
        guard raw.num_entries > 0, let entries = raw.entries else { return [] }
        return (0..<Int(raw.num_entries)).map { value(from: entries[$0], depth: depth + 1) }
    }

    /// A date as AMQP's unsigned seconds since the epoch, clamped: a date before 1970 or past what 64 bits hold (both
    /// can arrive from the wire and be sent on again) must not trap the conversion.
    static func epochSeconds(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite, seconds > 0 else { return 0 }
        // 2^64 is exactly representable as a Double; every smaller whole Double converts without trapping.
        return seconds >= 18_446_744_073_709_551_616.0 ? UInt64.max : UInt64(seconds)
    }

    /// Copies the bytes of an `amqp_bytes_t` (which is not NUL-terminated) into Swift.
    static func bytes(_ raw: amqp_bytes_t) -> [UInt8] {
        guard raw.len > 0, let pointer = raw.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: raw.len))
    }

    static func string(_ raw: amqp_bytes_t) -> String {
        String(decoding: bytes(raw), as: UTF8.self)
    }

    static func rawTable(_ table: AMQPTable, pool: AMQPMemoryPool) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = pool.allocate(amqp_table_entry_t.self, count: table.count)
        // Sorted so that the same table always encodes to the same bytes.
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[index] = amqp_table_entry_t(key: pool.bytes(Array(key.utf8)), value: rawValue(value, pool: pool))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    static func rawValue(_ value: AMQPValue, pool: AMQPMemoryPool) -> amqp_field_value_t {
        var raw = amqp_field_value_t()
        switch value {
        case .bool(let flag): raw.kind = Kind.boolean.code; raw.value.boolean = flag ? 1 : 0
        case .int8(let number): raw.kind = Kind.i8.code; raw.value.i8 = number
        case .uint8(let number): raw.kind = Kind.u8.code; raw.value.u8 = number
        case .int16(let number): raw.kind = Kind.i16.code; raw.value.i16 = number
        case .uint16(let number): raw.kind = Kind.u16.code; raw.value.u16 = number
        case .int32(let number): raw.kind = Kind.i32.code; raw.value.i32 = number
        case .uint32(let number): raw.kind = Kind.u32.code; raw.value.u32 = number
        case .int64(let number): raw.kind = Kind.i64.code; raw.value.i64 = number
        case .uint64(let number): raw.kind = Kind.u64.code; raw.value.u64 = number
        case .float(let number): raw.kind = Kind.f32.code; raw.value.f32 = number
        case .double(let number): raw.kind = Kind.f64.code; raw.value.f64 = number
        case .decimal(let scale, let number):
            raw.kind = Kind.decimal.code
            raw.value.decimal = amqp_decimal_t(decimals: scale, value: number)
        case .string(let text): raw.kind = Kind.utf8.code; raw.value.bytes = pool.bytes(Array(text.utf8))
        case .bytes(let data): raw.kind = Kind.bytes.code; raw.value.bytes = pool.bytes(data)
        case .timestamp(let date):
            raw.kind = Kind.timestamp.code
            raw.value.u64 = AMQPTableConversion.epochSeconds(date)
        case .table(let table): raw.kind = Kind.table.code; raw.value.table = rawTable(table, pool: pool)
        case .array(let values):
            raw.kind = Kind.array.code
            let entries = pool.allocate(amqp_field_value_t.self, count: max(values.count, 1))
            for (index, element) in values.enumerated() { entries[index] = rawValue(element, pool: pool) }
            raw.value.array = amqp_array_t(num_entries: Int32(values.count), entries: values.isEmpty ? nil : entries)
        case .void: raw.kind = Kind.void.code
        }
        return raw
    }

    /// Field kinds, mapped to and from the one-byte codes rabbitmq-c stores in `amqp_field_value_t.kind`.
    enum Kind: CaseIterable {
        case boolean, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64, decimal, utf8, bytes, timestamp, table, array
        case void

        init?(_ code: UInt8) {
            guard let kind = Self.allCases.first(where: { $0.code == code }) else { return nil }
            self = kind
        }

        var code: UInt8 {
            let kind: amqp_field_value_kind_t =
                switch self {
                case .boolean: AMQP_FIELD_KIND_BOOLEAN
                case .i8: AMQP_FIELD_KIND_I8
                case .u8: AMQP_FIELD_KIND_U8
                case .i16: AMQP_FIELD_KIND_I16
                case .u16: AMQP_FIELD_KIND_U16
                case .i32: AMQP_FIELD_KIND_I32
                case .u32: AMQP_FIELD_KIND_U32
                case .i64: AMQP_FIELD_KIND_I64
                case .u64: AMQP_FIELD_KIND_U64
                case .f32: AMQP_FIELD_KIND_F32
                case .f64: AMQP_FIELD_KIND_F64
                case .decimal: AMQP_FIELD_KIND_DECIMAL
                case .utf8: AMQP_FIELD_KIND_UTF8
                case .bytes: AMQP_FIELD_KIND_BYTES
                case .timestamp: AMQP_FIELD_KIND_TIMESTAMP
                case .table: AMQP_FIELD_KIND_TABLE
                case .array: AMQP_FIELD_KIND_ARRAY
                case .void: AMQP_FIELD_KIND_VOID
                }
            return UInt8(kind.rawValue)
        }
    }
}
