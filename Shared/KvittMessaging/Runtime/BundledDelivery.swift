import KvittAMQP
import KvittContracts

extension AMQPDelivery {
    /// The messages this delivery carries: itself, or each message of a ``MessageBundle`` as a delivery of its own
    /// with its own message id and JSON content type (and the bundle's delivery tag, to acknowledge the bundle).
    public func unbundled() throws(MessageBundle.Malformed) -> [AMQPDelivery] {
        guard properties.contentType == MessageBundle.contentType else { return [self] }
        let expected = properties.headers[MessageBundle.countHeader]?.int64Value.map { Int($0) }
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
