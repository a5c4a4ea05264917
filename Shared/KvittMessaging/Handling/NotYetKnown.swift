/// A handler error for an event that refers to something this service has not seen yet.
///
/// Events from different publishers have no order between them, and even one publisher's events can overtake each
/// other once the earlier one was retried or replayed (a fee charged on an invoice whose invoice-issued is still
/// in a wait queue). So this is not a permanent failure: the message is retried with the retry policy's delays, and
/// parked as `retries-exhausted` with this detail only if the missing event never arrives.
public struct NotYetKnown: Error, Sendable, CustomStringConvertible {
    /// A short, stable code (kebab-case), e.g. `unknown-invoice`.
    public let reason: String
    /// What is missing, for the operator.
    public let detail: String

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail) (not seen yet; retried in case it arrives later)" }
}
