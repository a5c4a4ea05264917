import Foundation
import KvittAMQP
import KvittContracts

/// A message as it arrives, before anything about it is trusted: any field may be missing or wrong.
public struct IncomingMessage: Sendable {
    public var messageID: String?
    /// The AMQP `type` property (the wire name).
    public var type: String?
    public var correlationID: String?
    public var timestamp: Date?
    public var appID: String?
    public var headers: AMQPTable
    public var body: [UInt8]
    public var redelivered: Bool
    public var routingKey: String
    /// Why the bundle this message arrived as could not be read, if it could not: it is dead-lettered whole.
    public var unreadableBundle: String?

    public init(
        messageID: String?,
        type: String?,
        correlationID: String? = nil,
        timestamp: Date? = nil,
        appID: String? = nil,
        headers: AMQPTable = [:],
        body: [UInt8],
        redelivered: Bool = false,
        routingKey: String = ""
    ) {
        self.messageID = messageID
        self.type = type
        self.correlationID = correlationID
        self.timestamp = timestamp
        self.appID = appID
        self.headers = headers
        self.body = body
        self.redelivered = redelivered
        self.routingKey = routingKey
    }

    /// The message of an AMQP delivery.
    public init(delivery: AMQPDelivery) {
        self.init(
            messageID: delivery.properties.messageID,
            type: delivery.properties.type,
            correlationID: delivery.properties.correlationID,
            timestamp: delivery.properties.timestamp,
            appID: delivery.properties.appID,
            headers: delivery.properties.headers,
            body: delivery.body,
            redelivered: delivery.redelivered,
            routingKey: delivery.routingKey
        )
    }

    /// The messages a delivery carries, one for a plain message and one per message of a bundle; a bundle that
    /// cannot be read is one message that says why.
    public static func messages(of delivery: AMQPDelivery) -> [(delivery: AMQPDelivery, message: IncomingMessage)] {
        do {
            return try delivery.unbundled().map { ($0, IncomingMessage(delivery: $0)) }
        } catch {
            var whole = IncomingMessage(delivery: delivery)
            whole.unreadableBundle = error.description
            return [(delivery, whole)]
        }
    }

    /// How many times Kvitt has already retried this message (its own header, not the broker's `x-death`).
    /// A forged count (negative, or near Int64.max) is clamped: counting on from it must not overflow, and any count
    /// past the retry tiers means the same thing.
    public var retryCount: Int {
        Int(min(max(0, headers[FailureHeaders.retryCount]?.int64Value ?? 0), Int64(Self.maximumRetryCount)))
    }

    /// The largest retry count taken from a header; far beyond any retry policy's tiers.
    static let maximumRetryCount = 1_000

    /// The wire name: the `type` property, or else a routing key that is a wire name (for publishers that forget
    /// the property).
    var messageType: MessageType? {
        if let type { return MessageType(wireName: type) }
        if let original = headers[FailureHeaders.originalRoutingKey]?.stringValue {
            return MessageType(wireName: original)
        }
        return MessageType(wireName: routingKey)
    }
}
