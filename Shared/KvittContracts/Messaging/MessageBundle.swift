/// Several messages of one type from one handled message, carried as one AMQP message.
///
/// A bank file settles thousands of invoices in one transaction; publishing each event on its own made the broker
/// and the AMQP frames the larger part of a payment's cost. The outbox keeps the events of one type that one
/// handler published as one row, and the relay sends that row as one message, as Spring AMQP's batching template
/// does. Every message in it keeps its own message id, so the inbox, retries and dead letters still work message
/// by message.
///
/// On the wire a bundle has the content type ``contentType`` and the header ``countHeader``; its AMQP properties
/// are the envelope its messages share (type, correlation id, causation id, timestamp, app id), and its
/// `message_id` is the bundle's own. The body is the messages in order, each as a 4-byte big-endian length and the
/// message id in UTF-8, then a 4-byte big-endian length and the JSON body.
public enum MessageBundle {
    /// The content type of a bundle.
    public static let contentType = "application/vnd.kvitt.bundle"
    /// The header that carries how many messages a bundle holds.
    public static let countHeader = "kvitt-bundle-count"
    /// The most messages in one bundle: a consumer handles a bundle in one transaction.
    public static let maximumCount = 1000
    /// The size a bundle is kept under, unless one message alone is larger (far below RabbitMQ's 128 MiB limit,
    /// and small enough to hold a few hundred in memory).
    public static let targetBytes = 1 << 20

    /// One message in a bundle.
    public struct Entry: Sendable, Equatable {
        public var messageID: String
        public var body: [UInt8]

        public init(messageID: String, body: [UInt8]) {
            self.messageID = messageID
            self.body = body
        }
    }

    /// Why a bundle's body could not be read.
    public enum Malformed: Error, Equatable, CustomStringConvertible {
        case truncated(entry: Int)
        case emptyMessageID(entry: Int)
        case messageIDNotUTF8(entry: Int)
        case countMismatch(header: Int, body: Int)
        case countMissing
        case countOutOfRange(Int)

        public var description: String {
            switch self {
            case .truncated(let entry): "bundle truncated in message \(entry + 1)"
            case .emptyMessageID(let entry): "bundle message \(entry + 1) has no message id"
            case .messageIDNotUTF8(let entry): "bundle message \(entry + 1) has a message id that is not UTF-8"
            case .countMismatch(let header, let body):
                "bundle header says \(header) messages, the body holds \(body)"
            case .countMissing: "bundle without the \(MessageBundle.countHeader) header"
            case .countOutOfRange(let count):
                "bundle header says \(count) messages; a bundle holds 2 to \(MessageBundle.maximumCount)"
            }
        }
    }

    /// The body of a bundle holding `entries`, in order.
    public static func encode(_ entries: [Entry]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.reduce(0) { $0 + 8 + $1.messageID.utf8.count + $1.body.count })
        for entry in entries {
            appendLength(entry.messageID.utf8.count, to: &bytes)
            bytes.append(contentsOf: entry.messageID.utf8)
            appendLength(entry.body.count, to: &bytes)
            bytes.append(contentsOf: entry.body)
        }
        return bytes
    }

    /// The messages of a bundle's body, in order.
    /// - Parameter expectedCount: the count header, when the bundle has one.
    public static func decode(_ bytes: [UInt8], expectedCount: Int? = nil) throws(Malformed) -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        while offset < bytes.count {
            let index = entries.count
            guard let idLength = length(in: bytes, at: offset), offset + 4 + idLength <= bytes.count else {
                throw .truncated(entry: index)
            }
            guard idLength > 0 else { throw .emptyMessageID(entry: index) }
            guard let messageID = String(validating: bytes[(offset + 4)..<(offset + 4 + idLength)], as: UTF8.self)
            else { throw .messageIDNotUTF8(entry: index) }
            offset += 4 + idLength
            guard let bodyLength = length(in: bytes, at: offset), offset + 4 + bodyLength <= bytes.count else {
                throw .truncated(entry: index)
            }
            entries.append(Entry(messageID: messageID, body: Array(bytes[(offset + 4)..<(offset + 4 + bodyLength)])))
            offset += 4 + bodyLength
        }
        if let expectedCount, expectedCount != entries.count {
            throw .countMismatch(header: expectedCount, body: entries.count)
        }
        return entries
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        let value = UInt32(length)
        bytes.append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ])
    }

    private static func length(in bytes: [UInt8], at offset: Int) -> Int? {
        guard offset + 4 <= bytes.count else { return nil }
        return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
    }
}
