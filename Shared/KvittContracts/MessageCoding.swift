import Foundation

/// The one JSON configuration every service uses for message bodies.
///
/// Instants are RFC 3339 UTC, keys keep their Swift names, and output is sorted so that the same value
/// always gives the same bytes.
public enum MessageCoding {
    /// Encodes a payload as the body of a message.
    public static func encode<Payload: Encodable>(_ payload: Payload) throws -> [UInt8] {
        Array(try makeEncoder().encode(payload))
    }

    /// Decodes a message body.
    public static func decode<Payload: Decodable>(_ type: Payload.Type, from body: [UInt8]) throws -> Payload {
        try makeDecoder().decode(type, from: Data(body))
    }

    /// A configured encoder; encoders are cheap and not thread-safe, so each call gets its own.
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
