import Foundation
import KvittAMQP

/// The delays between attempts for transient failures; one wait queue per delay.
///
/// After the last tier the message is dead-lettered with ``FailureReason/retriesExhausted``.
public struct RetryPolicy: Sendable, Equatable {
    /// The delay before retry 1, 2, … in order.
    public var delays: [Duration]

    public init(delays: [Duration]) {
        precondition(delays.allSatisfy { $0 >= .milliseconds(1) }, "retry delays must be at least 1 ms")
        self.delays = delays
    }

    /// 1 s, 10 s, 60 s: rides out a database lock or a broker hiccup without holding the consumer.
    public static let standard = RetryPolicy(delays: [.seconds(1), .seconds(10), .seconds(60)])

    /// The delay before the next attempt after `retryCount` retries, or `nil` when the tiers are used up.
    public func delay(afterRetries retryCount: Int) -> Duration? {
        retryCount >= 0 && retryCount < delays.count ? delays[retryCount] : nil
    }

    /// A short name for a delay, used in wait-queue names: `500ms`, `10s`, `5m`.
    public static func label(_ delay: Duration) -> String {
        let milliseconds = delay.milliseconds
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    /// The longest wait RabbitMQ accepts as a queue's `x-message-ttl` (2^32 − 1 ms, about 49 days).
    public static let longestDelay = Duration.milliseconds(4_294_967_295)

    /// Parses `1s,10s,60s` (units ms, s, m, h, d); `nil` when any part is malformed or longer than
    /// ``longestDelay``.
    public init?(parsing text: String) {
        guard let delays = DurationText.parseList(text), delays.allSatisfy({ $0 <= Self.longestDelay }) else {
            return nil
        }
        self.init(delays: delays)
    }
}
