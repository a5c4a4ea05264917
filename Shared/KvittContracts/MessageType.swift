/// The stable wire name of a message: `<owner>.<kebab-name>.v<N>`, e.g. `invoicing.invoice-issued.v1`.
///
/// It is both the AMQP routing key and the AMQP `type` property. A wire name never changes; a breaking
/// change is a new type with the next version.
public struct MessageType: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The wire name as sent on the broker.
    public let rawValue: String

    /// Creates a message type from a wire name that is known to be well-formed (a literal in code).
    public init(stringLiteral value: String) {
        precondition(Self.isWellFormed(value), "malformed message type '\(value)'")
        self.rawValue = value
    }

    /// Creates a message type from a wire name read off the wire; `nil` when it is not well-formed.
    public init?(wireName: String) {
        guard Self.isWellFormed(wireName) else { return nil }
        self.rawValue = wireName
    }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        guard Self.isWellFormed(value) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "malformed message type \(InputEcho.quoted(value))"
                )
            )
        }
        self.rawValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The service that owns the type: the part before the first dot.
    public var owner: Substring { rawValue.prefix { $0 != "." } }

    /// The version number after the final `.v`.
    public var version: Int {
        guard let dot = rawValue.lastIndex(of: ".") else { return 0 }
        return Int(rawValue[rawValue.index(dot, offsetBy: 2)...]) ?? 0
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Three dot-separated parts: a lowercase owner, a lowercase kebab name, and `v` with a positive number.
    static func isWellFormed(_ value: String) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        let kebab: (Substring) -> Bool = { part in
            !part.isEmpty && part.first != "-" && part.last != "-"
                && part.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }
        guard kebab(parts[0]), kebab(parts[1]), parts[2].first == "v",
            let number = Int(parts[2].dropFirst()), number > 0, !parts[2].dropFirst().hasPrefix("0")
        else { return false }
        return true
    }
}
