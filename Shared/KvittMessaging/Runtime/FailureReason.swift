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
}
