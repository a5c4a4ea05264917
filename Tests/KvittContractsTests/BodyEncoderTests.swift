import Foundation
import KvittContracts
import Testing

/// The body encoder against Foundation's `JSONEncoder` in the message configuration, on what message types do and
/// on what they might: every documented message is compared in `ContractDocumentTests`.
@Suite("Message bodies encode as Foundation would")
struct BodyEncoderTests {
    struct Everything: Encodable {
        var numbers: [Double] = [1.0, 0.1, 1e21, 1.5e-7, -0.0, 123_456_789.125, 1e16, 3.0e-5, 100]
        var text = "a\"b\\c/d\n\t\u{1}\u{7f}\u{2028}åä😀\r\u{8}\u{c}"
        var date = Date(timeIntervalSince1970: 1_764_400_000.75)
        var B = 1
        var a: Int8 = -2
        var _x: UInt16 = 3
        var aB: UInt64 = .max
        var a1: Int64 = .min
        var data = Data([1, 2, 3, 250])
        var decimal = Decimal(string: "12.50")!
        var url = URL(string: "https://example.se/a?b=1")!
        var float: Float = 0.1
        var missing: String? = nil
        var present: Bool? = false
        var nested: [String: [Int?]] = ["z": [1, nil], "y": []]
        var money = Money(minorUnits: 12_345, .sek)
        var day = CalendarDate("2026-03-02")!
        var empty = Empty()
        var custom = Custom()
    }

    struct Empty: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    /// A hand-written encoding: nested containers, a super-encoder, a key written twice, an explicit null.
    struct Custom: Encodable {
        enum Keys: String, CodingKey { case inner, list, twice, gone }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .inner)
            try inner.encode("first", forKey: .twice)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encode("x")
            try list.encodeNil()
            try container.encode(1, forKey: .twice)
            try container.encode(2, forKey: .twice)
            try container.encodeNil(forKey: .gone)
            var parent = container.superEncoder().singleValueContainer()
            try parent.encode("from super")
        }
    }

    func same<Value: Encodable>(_ value: Value) throws {
        let fast = String(decoding: try MessageCoding.encode(value), as: UTF8.self)
        let reference = String(decoding: try MessageCoding.foundationEncode(value), as: UTF8.self)
        #expect(fast == reference)
    }

    @Test func everyKindOfValueIsWrittenAsFoundationWritesIt() throws {
        try same(Everything())
        try same([Everything(), Everything()])
        try same(["only": "strings"])
        try same([1, 2, 3])
        try same("top-level string")
        try same(Money(minorUnits: -5, .eur))
    }

    @Test func whatFoundationRefusesIsRefused() {
        #expect(throws: EncodingError.self) { try MessageCoding.encode(Empty()) }
        #expect(throws: EncodingError.self) { try MessageCoding.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try MessageCoding.encode(["x": Double.infinity]) }
    }
}
