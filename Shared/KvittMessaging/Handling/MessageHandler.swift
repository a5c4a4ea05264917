import KvittContracts

/// Handles one message type inside the service's database transaction.
///
/// The handler runs synchronously in the same SQLite transaction that records the message in the inbox and
/// any events in the outbox, so its effects and its events commit together or not at all. Throw
/// ``PermanentFailure`` for a message that can never succeed; any other error is retried with backoff.
/// A command that breaks a business rule is not an error: publish a command-rejected event instead.
public protocol MessageHandler: Sendable {
    associatedtype Message: KvittMessage
    func handle(_ message: Message, context: HandlerContext) throws
}
