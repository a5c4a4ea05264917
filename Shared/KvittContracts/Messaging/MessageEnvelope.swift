import Foundation

/// The metadata that travels with every message in AMQP properties and headers.
///
/// `messageID`, `type`, `correlationID`, `timestamp`, `contentType` and `appID` map to the AMQP basic
/// properties of the same names; `causationID` travels in the `causation-id` header.
public struct MessageEnvelope: Sendable, Equatable {
    /// The header that carries the id of the message that caused this one.
    public static let causationHeader = "causation-id"
    /// The W3C trace context headers, named as in HTTP: `traceparent` names the trace and the span that sent the
    /// message, `tracestate` carries vendors' extra state.
    public static let traceParentHeader = "traceparent"
    public static let traceStateHeader = "tracestate"
    /// The only content type Kvitt publishes.
    public static let jsonContentType = "application/json"

    /// Unique id of this message; the inbox deduplicates on it.
    public var messageID: String
    /// The wire name.
    public var type: MessageType
    /// The business flow this message belongs to (an invoice's whole life shares one).
    public var correlationID: String?
    /// The message that caused this one.
    public var causationID: String?
    /// When the message was created.
    public var timestamp: Date
    /// The publishing application (service name).
    public var appID: String?
    /// The W3C `traceparent` of the span that published this message, when it was traced.
    public var traceParent: String?
    /// The W3C `tracestate` that travels with ``traceParent``.
    public var traceState: String?

    public init(
        messageID: String = RandomIdentifier.make(),
        type: MessageType,
        correlationID: String? = nil,
        causationID: String? = nil,
        timestamp: Date = Date(),
        appID: String? = nil,
        traceParent: String? = nil,
        traceState: String? = nil
    ) {
        self.messageID = messageID
        self.type = type
        self.correlationID = correlationID
        self.causationID = causationID
        self.timestamp = timestamp
        self.appID = appID
        self.traceParent = traceParent
        self.traceState = traceState
    }

    /// The envelope of a message caused by this one: same correlation, this message as the cause.
    public func caused(
        type: MessageType,
        messageID: String = RandomIdentifier.make(),
        appID: String?,
        at now: Date
    )
        -> MessageEnvelope
    {
        MessageEnvelope(
            messageID: messageID,
            type: type,
            correlationID: correlationID ?? self.messageID,
            causationID: self.messageID,
            timestamp: now,
            appID: appID
        )
    }
}
