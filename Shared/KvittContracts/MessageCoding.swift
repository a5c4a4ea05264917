import Foundation

/// The one JSON configuration every service uses for message bodies.
///
/// Instants are RFC 3339 UTC, keys keep their Swift names, and output is sorted so that the same value
/// always gives the same bytes.
public enum MessageCoding {
    /// Shared instances: Foundation's coders are `Sendable` and keep no state between calls, and making one per
    /// message showed up in profiles of the hot path.
    private static let sharedEncoder = makeEncoder()
    private static let sharedDecoder = makeDecoder()

    /// Encodes a payload as the body of a message: the same bytes as ``foundationEncode(_:)``, written faster
    /// (``BodyEncoder``).
    public static func encode<Payload: Encodable>(_ payload: Payload) throws -> [UInt8] {
        try BodyEncoder.encode(payload)
    }

    /// Encodes a payload with Foundation's `JSONEncoder` in the message configuration: the reference that
    /// ``encode(_:)`` must agree with.
    public static func foundationEncode<Payload: Encodable>(_ payload: Payload) throws -> [UInt8] {
        Array(try sharedEncoder.encode(payload))
    }

    /// Decodes a message body.
    public static func decode<Payload: Decodable>(_ type: Payload.Type, from body: [UInt8]) throws -> Payload {
        try sharedDecoder.decode(type, from: Data(body))
    }

    /// A configured encoder of one's own, for callers that change its settings (pretty printing).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A configured decoder.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
