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
    /// On a corrected copy: the message id of the dead letter it replaces.
    public static let corrects = "x-kvitt-corrects"
    /// On a dead letter that `kvitt dead-letters edit` corrected: the message id of the corrected copy. The dead letter
    /// stays parked for audit and `replay --all` passes it over.
    public static let correctedBy = "x-kvitt-corrected-by"
    /// On a copy whose sender headers were too large to carry on: how many were dropped, their size and names.
    public static let droppedHeaders = "x-kvitt-dropped-headers"
    /// What every Kvitt header name starts with.
    public static let prefix = "x-kvitt-"
    /// Kvitt's own headers: carried on by a copy (each within ``maximumOwnValueBytes``); any other `x-kvitt-*` name is
    /// a sender's header like any other.
    public static let own: Set<String> = [
        reason, detail, failedService, originalRoutingKey, retryCount, failedAt, replayCount, corrects, correctedBy,
        droppedHeaders,
    ]
    /// Largest value of one of Kvitt's own headers that a copy carries on: the detail's cap with room for its type.
    public static let maximumOwnValueBytes = maximumDetailBytes + 64
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
