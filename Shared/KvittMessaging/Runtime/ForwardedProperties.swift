import Foundation
import KvittAMQP
import KvittContracts

/// The properties a copy of a received message carries when Kvitt sends it on: to a wait queue, to the dead-letter
/// queue, or back to a service on replay or correction.
///
/// Built from an allow-list, never by copying the original: a property that the broker validates or acts on
/// (`user_id` must be the publishing connection's user, `expiration` would let a parked copy vanish, `CC` and `BCC`
/// route copies to other queues, `reply_to` and `priority` change delivery) would make the copy refused, lost or
/// duplicated. What identifies the message and what its sender wrote in its own headers stays, within a size cap.
public enum ForwardedProperties {
    /// Most bytes of the sender's own headers (encoded as AMQP would) kept on a copy; larger sets are dropped whole and
    /// named in ``FailureHeaders/droppedHeaders``. Well below a frame (128 KiB), so Kvitt's own headers always fit.
    public static let maximumSenderHeaderBytes = 16 * 1024
    /// Timestamps outside this range are not carried on (the AMQP field is 64 bits of seconds; a hostile one does
    /// not survive a round trip through `Date`).
    public static let timestampRange: ClosedRange<Date> =
        Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01T00:00:00Z

    /// Headers that change how the broker routes, dead-letters or counts a message: never carried on. Compared
    /// case-insensitively; broker headers (`x-death`, `x-first-death-*`, `x-delivery-count`, …) go by their prefix.
    static let routingHeaders: Set<String> = ["cc", "bcc"]

    /// The properties for a copy of `original`: message id, type, content type and encoding, correlation id, app id,
    /// an in-range timestamp, persistent delivery, Kvitt's own headers (the causation id, a bundle's count and the
    /// `x-kvitt-*` headers) and the sender's other headers up to ``maximumSenderHeaderBytes``.
    public static func forwarded(from original: AMQPProperties) -> AMQPProperties {
        var kept: AMQPTable = [:]
        var sender: AMQPTable = [:]
        for (name, value) in original.headers {
            let lowered = name.lowercased()
            if routingHeaders.contains(lowered) { continue }
            if FailureHeaders.own.contains(name) || name == MessageEnvelope.causationHeader
                || name == MessageBundle.countHeader || name == MessageEnvelope.traceParentHeader
                || name == MessageEnvelope.traceStateHeader
            {
                // Kvitt's own headers (the trace context too, so that a retried or replayed copy stays in its trace)
                // are small unless forged; a forged giant is dropped rather than carried on.
                if value.encodedSize <= FailureHeaders.maximumOwnValueBytes { kept[name] = value }
            } else if lowered.hasPrefix(FailureHeaders.prefix) || !lowered.hasPrefix("x-") {
                sender[name] = value
            }
        }
        let senderBytes = AMQPValue.table(sender).encodedSize
        if senderBytes <= maximumSenderHeaderBytes {
            kept.merge(sender) { own, _ in own }
        } else {
            let names = sender.keys.sorted().joined(separator: ", ")
            kept[FailureHeaders.droppedHeaders] = .string(
                FailureHeaders.boundedDetail(
                    "\(sender.count) sender headers of \(senderBytes) bytes dropped (over \(maximumSenderHeaderBytes)): "
                        + names
                )
            )
        }
        return AMQPProperties(
            contentType: original.contentType,
            contentEncoding: original.contentEncoding,
            headers: kept,
            deliveryMode: 2,
            correlationID: original.correlationID,
            messageID: original.messageID,
            timestamp: original.timestamp.flatMap { timestampRange.contains($0) ? $0 : nil },
            type: original.type,
            appID: original.appID
        )
    }
}
