/// What became of one incoming message.
public enum ProcessingOutcome: Sendable, Equatable {
    /// Handled: its effects and events are committed.
    case processed
    /// Its message id was already in the inbox: acknowledged without effect.
    case duplicate
    /// A transient failure: send it to the wait queue for `delay`, as retry number `attempt`.
    case retry(attempt: Int, delay: Duration, detail: String)
    /// Park it in the dead-letter queue.
    case deadLetter(FailureReason, detail: String)
    /// The database could not be written (disk full, an I/O error, a lock held past the busy timeout): nothing of the
    /// batch committed, and the message is not at fault. Keep the delivery unacknowledged and process it again once
    /// the database takes writes: a full disk must never dead-letter what arrived meanwhile.
    case databaseUnavailable(detail: String)

    /// The outcome as one word, for a span's attributes.
    var label: String {
        switch self {
        case .processed: "processed"
        case .duplicate: "duplicate"
        case .retry: "retry"
        case .deadLetter: "dead-letter"
        case .databaseUnavailable: "database-unavailable"
        }
    }
}
