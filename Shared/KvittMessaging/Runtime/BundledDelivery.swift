import KvittAMQP
import KvittContracts

extension AMQPDelivery {
    /// The messages this delivery carries: itself, or each message of a ``MessageBundle`` as a delivery of its own
    /// with its own message id and JSON content type (and the bundle's delivery tag, to acknowledge the bundle).
    public func unbundled() throws(MessageBundle.Malformed) -> [AMQPDelivery] {
        guard properties.contentType == MessageBundle.contentType else { return [self] }
        // The count is required: without it a body cut at a message boundary would pass for a smaller bundle.
        guard let expected = properties.headers[MessageBundle.countHeader]?.int64Value.map({ Int($0) }) else {
            throw .countMissing
        }
        guard (2...MessageBundle.maximumCount).contains(expected) else { throw .countOutOfRange(expected) }
        return try MessageBundle.decode(body, expectedCount: expected).map { entry in
            var inner = self
            inner.properties.messageID = entry.messageID
            inner.properties.contentType = MessageEnvelope.jsonContentType
            inner.properties.headers[MessageBundle.countHeader] = nil
            inner.body = entry.body
            return inner
        }
    }
}
