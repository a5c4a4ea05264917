import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// A parked message as the operator sees it.
struct DeadLetter: Sendable {
    /// The service whose dead-letter queue holds it.
    let service: String
    let delivery: AMQPDelivery

    var headers: AMQPTable { delivery.properties.headers }
    var id: String { delivery.properties.messageID ?? "-" }
    var type: String { delivery.properties.type ?? "-" }
    /// Kvitt's own reason, or the broker's (`delivery_limit`, `rejected`) for a message the broker parked.
    var reason: String {
        headers[FailureHeaders.reason]?.stringValue
            ?? headers["x-first-death-reason"]?.stringValue.map { "broker:\($0)" } ?? "-"
    }
    var detail: String { headers[FailureHeaders.detail]?.stringValue ?? "" }
    var failedAt: String { headers[FailureHeaders.failedAt]?.stringValue ?? "-" }
    var failedAtDate: Date? {
        headers[FailureHeaders.failedAt]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
    }
    var retryCount: Int { IncomingMessage(delivery: delivery).retryCount }
    /// Clamped like the retry count: a forged header must not overflow counting the next replay.
    var replayCount: Int {
        Int(min(max(0, headers[FailureHeaders.replayCount]?.int64Value ?? 0), Int64(Int32.max)))
    }
    /// The service the message failed in: where a replay goes. Only a service whose queue this is, or another Kvitt
    /// service, is believed: the header travels with the message, and a forged one must not send a replay into any
    /// queue the operator can write to.
    var failedService: String {
        guard let named = headers[FailureHeaders.failedService]?.stringValue,
            named == service || DeadLetterOperations.knownServices.contains(named)
        else { return service }
        return named
    }
    /// The messages in it when the broker parked a whole bundle (`x-kvitt-bundle`), unpacked once; empty otherwise.
    /// Replaying the bundle is safe: the service's inbox skips the messages it already handled.
    let bundled: [AMQPDelivery]
    var bundledIDs: [String] { bundled.compactMap(\.properties.messageID) }

    init(service: String, delivery: AMQPDelivery) {
        self.service = service
        self.delivery = delivery
        let isBundle = delivery.properties.contentType == MessageBundle.contentType
        bundled = isBundle ? (try? delivery.unbundled()) ?? [] : []
    }
    /// What tells this parked message from another parking of the same message id (a replayed copy that failed
    /// again carries one more replay, and another failure time).
    struct Identity: Hashable, Sendable {
        let id: String
        let replayCount: Int
        let failedAt: String
        let reason: String
        let correctedBy: String?
    }

    var identity: Identity {
        Identity(id: id, replayCount: replayCount, failedAt: failedAt, reason: reason, correctedBy: correctedBy)
    }

    /// The id of the corrected copy `edit` sent for it, if it was corrected.
    var correctedBy: String? { headers[FailureHeaders.correctedBy]?.stringValue }
    /// The reason, and what became of it when it was corrected.
    var reasonShown: String { correctedBy.map { "\(reason) (corrected as \($0))" } ?? reason }

    /// The type, and for a bundle how many messages it holds.
    var typeShown: String { bundledIDs.isEmpty ? type : "\(type) (bundle of \(bundledIDs.count))" }

    /// The message to republish: the same id, type and body, to the failed service's own queue only (through the
    /// retry exchange, where only that queue is bound under the service's name: an operator needs no write on the
    /// default exchange), with its failure headers removed, fresh retries, and the replay counted.
    func replayMessage(_ routes: DeadLetterRoutes) -> AMQPOutgoingMessage {
        // The allow-list drops what the broker acts on (user_id, expiration, CC/BCC, x-death, ...) and keeps Kvitt's
        // own headers, of which the failure ones are removed here.
        var properties = ForwardedProperties.forwarded(from: delivery.properties)
        for header in [
            FailureHeaders.reason, FailureHeaders.detail, FailureHeaders.failedAt, FailureHeaders.failedService,
            FailureHeaders.retryCount, FailureHeaders.correctedBy,
        ] {
            properties.headers[header] = nil
        }
        properties.headers[FailureHeaders.replayCount] = .int64(Int64(replayCount + 1))
        return AMQPOutgoingMessage(
            exchange: routes.retryExchange,
            routingKey: failedService,
            properties: properties,
            body: delivery.body
        )
    }
}

extension DeadLetter {
    /// The messages of a bundle the broker parked whole that `filter` names one by one (empty when it names the
    /// bundle itself, or this is no bundle): a command then acts on those messages alone.
    func bundledSelection(_ filter: DeadLetterFilter) -> [AMQPDelivery] {
        guard !bundled.isEmpty, !filter.ids.isEmpty, !filter.ids.contains(id) else { return [] }
        let chosen = bundled.filter { filter.ids.contains($0.properties.messageID ?? "") }
        return chosen.count == bundled.count ? [] : chosen
    }

    /// One message of a bundle, parked again on its own in this letter's queue, with the bundle's failure headers.
    func parkedAlone(_ inner: AMQPDelivery, _ routes: DeadLetterRoutes) -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: routes.deadLetterExchange,
            routingKey: service,
            properties: inner.properties,
            body: inner.body
        )
    }

    /// This letter again, in its own queue, marked as corrected by `newID`.
    func markedCorrected(by newID: String, _ routes: DeadLetterRoutes) -> AMQPOutgoingMessage {
        var properties = delivery.properties
        properties.headers[FailureHeaders.correctedBy] = .string(newID)
        return AMQPOutgoingMessage(
            exchange: routes.deadLetterExchange,
            routingKey: service,
            properties: properties,
            body: delivery.body
        )
    }
}

/// The exchanges the operator's commands publish through: the retry exchange, to a service's work queue, and the
/// dead-letter exchange, to its dead-letter queue (both bound under the service's queue name), never the default
/// exchange.
struct DeadLetterRoutes: Sendable {
    /// The main exchange (`AMQP_EXCHANGE`); the retry exchange is named after it.
    var exchange = "kvitt"
    /// `AMQP_DEAD_LETTER_EXCHANGE`.
    var deadLetterExchange = "kvitt.dead-letter"
    var retryExchange: String { ServiceTopology.retryExchange(of: exchange) }
}

/// Which dead letters a command acts on.
struct DeadLetterFilter: Sendable {
    var ids: Set<String> = []
    var reason: String?
    var type: String?
    var since: Date?

    func matches(_ letter: DeadLetter) -> Bool {
        (ids.isEmpty || ids.contains(letter.id) || !ids.isDisjoint(with: letter.bundledIDs))
            && (reason == nil || letter.reason == reason)
            && (type == nil || letter.type == type)
            && (since.map { since in letter.failedAtDate.map { $0 >= since } ?? false } ?? true)
    }
}
