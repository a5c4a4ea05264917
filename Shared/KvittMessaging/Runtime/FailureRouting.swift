import Foundation
import KvittAMQP

/// Builds the messages that carry a failed delivery to its wait queue or to the dead-letter queue.
///
/// Both keep what identifies the message (message id, type, correlation) and its body, so that a retry or a replay is
/// the same message to the inbox; the rest of the properties go through ``ForwardedProperties``' allow-list, so that
/// nothing a sender set can make the copy refused, expire or be routed elsewhere.
struct FailureRouting: Sendable {
    let topology: ServiceTopology

    func retryMessage(
        for message: IncomingMessage,
        properties: AMQPProperties,
        attempt: Int,
        delay: Duration,
        detail: String
    )
        -> AMQPOutgoingMessage
    {
        var properties = ForwardedProperties.forwarded(from: properties)
        properties.headers[FailureHeaders.retryCount] = .int64(Int64(attempt))
        properties.headers[FailureHeaders.detail] = .string(FailureHeaders.boundedDetail(detail))
        properties.headers[FailureHeaders.originalRoutingKey] = .string(originalRoutingKey(message))
        // Through the retry exchange, where the wait queue is bound with its name: not the default exchange, which
        // would need write on every queue of the vhost (docs/security.md).
        return AMQPOutgoingMessage(
            exchange: topology.retryExchange,
            routingKey: topology.retryQueue(for: delay),
            properties: properties,
            body: message.body
        )
    }

    func deadLetterMessage(
        for message: IncomingMessage,
        properties: AMQPProperties,
        reason: FailureReason,
        detail: String,
        at now: Date
    ) -> AMQPOutgoingMessage {
        var properties = ForwardedProperties.forwarded(from: properties)
        properties.headers[FailureHeaders.reason] = .string(reason.rawValue)
        properties.headers[FailureHeaders.detail] = .string(FailureHeaders.boundedDetail(detail))
        properties.headers[FailureHeaders.failedService] = .string(topology.serviceName)
        properties.headers[FailureHeaders.originalRoutingKey] = .string(originalRoutingKey(message))
        properties.headers[FailureHeaders.retryCount] = .int64(Int64(message.retryCount))
        properties.headers[FailureHeaders.failedAt] = .string(now.ISO8601Format())
        return AMQPOutgoingMessage(
            exchange: topology.deadLetterExchange,
            routingKey: topology.serviceName,
            properties: properties,
            body: message.body
        )
    }

    /// The routing key the message first arrived with; a retry arrives with the service queue's name instead.
    private func originalRoutingKey(_ message: IncomingMessage) -> String {
        // A routing key is an AMQP short string: a longer header value is forged, and the delivery's key is the truth.
        guard let original = message.headers[FailureHeaders.originalRoutingKey]?.stringValue,
            original.utf8.count <= AMQPSession.shortStringLimit
        else { return message.routingKey }
        return original
    }
}
