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
        let entries = try MessageBundle.decode(body, expectedCount: expected)
        // What every message shares, made once: a plain JSON message's properties.
        var template = self
        template.properties = properties.asSingleMessage
        template.body = []
        return entries.map { entry in
            var inner = template
            inner.properties.messageID = entry.messageID
            inner.body = entry.body
            return inner
        }
    }
}

extension AMQPProperties {
    /// These properties for one plain JSON message: a bundle's content type and count header removed.
    public var asSingleMessage: AMQPProperties {
        var single = self
        single.contentType = MessageEnvelope.jsonContentType
        single.headers[MessageBundle.countHeader] = nil
        return single
    }
}
