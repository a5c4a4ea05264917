import Foundation
import Synchronization

/// A clock that runs at wall-clock speed from a moveable offset: the demo's and end-to-end tests' time travel.
///
/// Only built when `CLOCK_CONTROL=on`, which ``ServiceSettings`` refuses unless `KVITT_ENVIRONMENT` names a
/// non-production deployment. The offset only moves forward: schedules, due dates and the inbox assume time never
/// runs backwards.
public final class AdjustableClock: BusinessClock {
    private let base: any BusinessClock
    private let offsetSeconds: Mutex<Int64>

    public init(base: any BusinessClock = SystemClock(), offset: Duration = .zero) {
        self.base = base
        self.offsetSeconds = Mutex(min(max(0, offset.components.seconds), DurationText.maximumSeconds))
    }

    public func now() -> Date {
        base.now().addingTimeInterval(TimeInterval(offsetSeconds.withLock { $0 }))
    }

    /// How far ahead of the base clock this clock runs.
    public var offset: Duration { .seconds(offsetSeconds.withLock { $0 }) }

    /// Moves the clock forward by whole seconds of `duration`; returns the new offset.
    @discardableResult
    public func advance(by duration: Duration) -> Duration {
        let seconds = max(0, duration.components.seconds)
        return .seconds(
            offsetSeconds.withLock { total in
                total = min(total + min(seconds, DurationText.maximumSeconds), DurationText.maximumSeconds)
                return total
            }
        )
    }
}
