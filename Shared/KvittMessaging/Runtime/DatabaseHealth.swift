import Synchronization

/// Whether the service's database took its last write: the consumer sets it, readiness reports it.
public final class DatabaseHealth: Sendable {
    private let failure = Mutex<String?>(nil)

    public init() {}

    /// Why the database is not taking writes, or `nil` while it is.
    public var unavailable: String? { failure.withLock { $0 } }

    func failed(_ reason: String) { failure.withLock { $0 = reason } }

    func recovered() { failure.withLock { $0 = nil } }
}
