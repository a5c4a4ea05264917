/// A handler error that retrying cannot fix: the message is dead-lettered at once with this reason.
public struct PermanentFailure: Error, Sendable, CustomStringConvertible {
    /// A short, stable, machine-readable code (kebab-case).
    public let reason: String
    /// What went wrong, for the operator.
    public let detail: String

    /// The dead letter's `x-kvitt-failure-reason`: `permanent-failure`, unless the handler found the message too
    /// large to look at (``tooLarge(_:)``).
    public let deadLetterReason: FailureReason

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
        deadLetterReason = .permanentFailure
    }

    private init(reason: String, detail: String, deadLetterReason: FailureReason) {
        self.reason = reason
        self.detail = detail
        self.deadLetterReason = deadLetterReason
    }

    /// A message whose content is over a handler's own limit (a bank file larger than `MAX_BANK_FILE_BYTES`): parked
    /// as `too-large`, like a body over the service's maximum.
    public static func tooLarge(_ detail: String) -> PermanentFailure {
        PermanentFailure(reason: FailureReason.tooLarge.rawValue, detail: detail, deadLetterReason: .tooLarge)
    }

    public var description: String { "\(reason): \(detail)" }
}
