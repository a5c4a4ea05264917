import Foundation

/// Where services get "now" from, so that tests and the demo can move time deliberately.
public protocol BusinessClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The wall clock.
public struct SystemClock: BusinessClock {
    public init() {}
    public func now() -> Date { Date() }
}
