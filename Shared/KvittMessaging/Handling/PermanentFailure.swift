/// A handler error that retrying cannot fix: the message is dead-lettered at once with this reason.
public struct PermanentFailure: Error, Sendable, CustomStringConvertible {
    /// A short, stable, machine-readable code (kebab-case).
    public let reason: String
    /// What went wrong, for the operator.
    public let detail: String

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}
