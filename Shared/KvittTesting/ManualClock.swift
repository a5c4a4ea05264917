import Foundation
import KvittMessaging
import Synchronization

/// A clock that only moves when a test moves it.
public final class ManualClock: BusinessClock {
    private let current: Mutex<Date>

    /// Starts at `start` (by default 2026-03-02 09:00 Stockholm time, a Monday).
    public init(start: Date = Date(timeIntervalSince1970: 1_772_438_400)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves time forward.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the time.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
