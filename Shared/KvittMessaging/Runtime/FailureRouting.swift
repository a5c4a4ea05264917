import Foundation
import KvittAMQP

/// Builds the messages that carry a failed delivery to its wait queue or to the dead-letter queue.
///
/// Both keep the original properties (message id, type, correlation) and body, so that a retry or a replay is
/// the same message to the inbox.
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
        var properties = properties
        properties.headers[FailureHeaders.retryCount] = .int64(Int64(attempt))
        properties.headers[FailureHeaders.detail] = .string(FailureHeaders.boundedDetail(detail))
        properties.headers[FailureHeaders.originalRoutingKey] = .string(originalRoutingKey(message))
        return AMQPOutgoingMessage(
            exchange: "",
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
        var properties = properties
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
        message.headers[FailureHeaders.originalRoutingKey]?.stringValue ?? message.routingKey
    }
}
