import Foundation
import KvittAMQP
import KvittContracts

/// The bounded `x-kvitt-*` headers that travel with retried and dead-lettered messages.
///
/// Header space is limited by the broker's `frame_max`, so every free-text value is capped.
public enum FailureHeaders {
    public static let reason = "x-kvitt-failure-reason"
    public static let detail = "x-kvitt-failure-detail"
    public static let failedService = "x-kvitt-failed-service"
    public static let originalRoutingKey = "x-kvitt-original-routing-key"
    public static let retryCount = "x-kvitt-retry-count"
    public static let failedAt = "x-kvitt-failed-at"
    public static let replayCount = "x-kvitt-replay-count"
    /// Longest failure detail, in UTF-8 bytes.
    public static let maximumDetailBytes = 1024

    /// Cuts a detail to ``maximumDetailBytes`` on a character boundary, with personal data masked.
    public static func boundedDetail(_ detail: String) -> String {
        let masked = PersonalDataMasking.mask(detail)
        guard masked.utf8.count > maximumDetailBytes else { return masked }
        var result = ""
        var used = 0
        for character in masked {
            let size = character.utf8.count
            if used + size > maximumDetailBytes - 3 { break }
            result.append(character)
            used += size
        }
        return result + "..."
    }
}
