/// Why a message was dead-lettered: a stable code in the `x-kvitt-failure-reason` header.
public enum FailureReason: String, Sendable, CaseIterable, Codable {
    /// The body is not the JSON the type's contract describes.
    case undecodableBody = "undecodable-body"
    /// No handler for the type (or the version) in this service, or no type at all.
    case unknownMessageType = "unknown-message-type"
    /// No `message_id` property: without it the inbox cannot make processing idempotent.
    case missingMessageID = "missing-message-id"
    /// A transient failure outlasted every retry tier.
    case retriesExhausted = "retries-exhausted"
    /// The handler declared the message impossible to process (``PermanentFailure``).
    case permanentFailure = "permanent-failure"
    /// The body is larger than the service's maximum message size: parked before it is decoded.
    case tooLarge = "too-large"
    /// The message id was already processed as a different message (another type or another body): two senders
    /// reuse ids, and acknowledging it as a duplicate would lose it.
    case messageIDReused = "message-id-reused"
    /// A property is outside what Kvitt accepts (a timestamp outside 1970-2199).
    case invalidProperties = "invalid-properties"
}
