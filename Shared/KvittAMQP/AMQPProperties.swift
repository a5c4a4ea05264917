import Foundation

/// The AMQP basic properties of a message.
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable
    /// 2 = persistent (the default here), 1 = transient.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a string (AMQP's own odd choice).
    public var expiration: String?
    public var messageID: String?
    /// Seconds resolution, as AMQP carries it.
    public var timestamp: Date?
    public var type: String?
    public var userID: String?
    public var appID: String?

    public init(
        contentType: String? = nil,
        contentEncoding: String? = nil,
        headers: AMQPTable = [:],
        deliveryMode: UInt8? = 2,
        priority: UInt8? = nil,
        correlationID: String? = nil,
        replyTo: String? = nil,
        expiration: String? = nil,
        messageID: String? = nil,
        timestamp: Date? = nil,
        type: String? = nil,
        userID: String? = nil,
        appID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
    }
}

/// A message to publish: where it goes, its properties and its body.
public struct AMQPOutgoingMessage: Sendable, Equatable {
    /// The exchange; the empty string is the default exchange (routing key = queue name).
    public var exchange: String
    public var routingKey: String
    public var properties: AMQPProperties
    public var body: [UInt8]
    /// Unroutable messages come back as a failure instead of vanishing.
    public var mandatory: Bool

    public init(
        exchange: String,
        routingKey: String,
        properties: AMQPProperties = AMQPProperties(),
        body: [UInt8],
        mandatory: Bool = true
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        self.mandatory = mandatory
    }
}

/// A message delivered to a consumer. Acknowledge it through the consumer it came from.
public struct AMQPDelivery: Sendable {
    /// The connection incarnation it arrived on: a tag from an earlier incarnation cannot be acked.
    public let generation: UInt64
    public let deliveryTag: UInt64
    public let consumerTag: String
    public let exchange: String
    public let routingKey: String
    /// True when the broker delivered it before (to this or another consumer).
    public let redelivered: Bool
    /// Variable so that a bundle's messages can be handed on as deliveries of the same tag.
    public var properties: AMQPProperties
    public var body: [UInt8]

    public init(
        generation: UInt64,
        deliveryTag: UInt64,
        consumerTag: String,
        exchange: String,
        routingKey: String,
        redelivered: Bool,
        properties: AMQPProperties,
        body: [UInt8]
    ) {
        self.generation = generation
        self.deliveryTag = deliveryTag
        self.consumerTag = consumerTag
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.properties = properties
        self.body = body
    }
}
