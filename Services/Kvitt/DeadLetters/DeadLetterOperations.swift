import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// Reads, replays and purges dead-letter queues without disturbing messages that a command does not select.
///
/// Messages are taken with `basic.get` and left unacknowledged; what a command does not act on is returned to the
/// queue (`basic.nack` with requeue) before the command ends. A replay acknowledges a dead letter only after the
/// broker confirmed its republished copy.
struct DeadLetterOperations: Sendable {
    let client: AMQPClient
    let publisher: AMQPPublisher
    /// The services whose dead-letter queues exist.
    let services: [String]

    static let knownServices = ["invoicing", "payment-matching", "debt-collection", "tax-reduction"]

    /// Everything parked, oldest first, up to `limit` per service; the queues are left as they were.
    func list(filter: DeadLetterFilter, limit: Int = 1000) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for service in services {
            let taken = try await take(service, limit: limit)
            try await release(taken.map(\.delivery), acking: [])
            letters += taken.filter(filter.matches)
        }
        return letters
    }

    /// Result of a replay.
    struct Outcome: Sendable {
        var replayed: [DeadLetter] = []
        var failed: [(DeadLetter, String)] = []
    }

    /// Republishes the selected dead letters to their services' queues, at most `rate` per second.
    func replay(
        filter: DeadLetterFilter,
        dryRun: Bool,
        rate: Int?,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Outcome {
        var outcome = Outcome()
        for service in services {
            let taken = try await take(service, limit: 100_000)
            // A corrected dead letter stays for audit and is replayed only when named by its id.
            let matching = taken.filter { filter.matches($0) && ($0.correctedBy == nil || filter.ids.contains($0.id)) }
            var acked: Set<UInt64> = []
            var selected: [DeadLetter] = []
            for letter in matching {
                let inner = letter.bundledSelection(filter)
                guard !inner.isEmpty else {
                    selected.append(letter)
                    continue
                }
                // Named messages of a bundle the broker parked whole: replay those, park the rest one by one.
                let chosen = inner.map { DeadLetter(service: service, delivery: $0) }
                if dryRun {
                    outcome.replayed += chosen
                    continue
                }
                switch await split(letter, sending: chosen.map { $0.replayMessage() }, keeping: inner) {
                case .success:
                    acked.insert(letter.delivery.deliveryTag)
                    outcome.replayed += chosen
                case .failure(let error):
                    outcome.failed += chosen.map { ($0, "\(error)") }
                }
            }
            if !dryRun {
                let chunkSize = max(1, rate ?? 500)
                var start = 0
                while start < selected.count {
                    let chunk = Array(selected[start..<min(start + chunkSize, selected.count)])
                    let started = ContinuousClock.now
                    let results = await publisher.publish(batch: chunk.map { $0.replayMessage() })
                    for (letter, result) in zip(chunk, results) {
                        switch result {
                        case .success:
                            outcome.replayed.append(letter)
                            acked.insert(letter.delivery.deliveryTag)
                        case .failure(let error):
                            outcome.failed.append((letter, "\(error)"))
                        }
                    }
                    start += chunk.count
                    progress(outcome.replayed.count + outcome.failed.count, selected.count)
                    if rate != nil, start < selected.count {
                        let elapsed = ContinuousClock.now - started
                        if elapsed < .seconds(1) { try await Task.sleep(for: .seconds(1) - elapsed) }
                    }
                }
            } else {
                outcome.replayed += selected
            }
            try await release(taken.map(\.delivery), acking: acked)
        }
        return outcome
    }

    /// Removes the selected dead letters for good and returns them. Named messages of a bundle the broker parked
    /// whole are removed alone: the bundle's other messages are parked again one by one first.
    func purge(filter: DeadLetterFilter) async throws -> [DeadLetter] {
        var purged: [DeadLetter] = []
        for service in services {
            let taken = try await take(service, limit: 100_000)
            var acked: Set<UInt64> = []
            for letter in taken where filter.matches(letter) {
                let inner = letter.bundledSelection(filter)
                if inner.isEmpty {
                    acked.insert(letter.delivery.deliveryTag)
                    purged.append(letter)
                } else if case .success = await split(letter, sending: [], keeping: inner) {
                    acked.insert(letter.delivery.deliveryTag)
                    purged += inner.map { DeadLetter(service: service, delivery: $0) }
                }
            }
            try await release(taken.map(\.delivery), acking: acked)
        }
        return purged
    }

    /// Marks the dead letter `id` as corrected by `newID`: it is parked again with `x-kvitt-corrected-by` (kept for
    /// audit, shown as corrected, passed over by `replay --all`) and the unmarked one is removed. A message of a bundle
    /// the broker parked whole is split out first. Returns whether it was found.
    @discardableResult
    func markCorrected(_ id: String, by newID: String) async throws -> Bool {
        for service in services {
            let taken = try await take(service, limit: 100_000)
            var acked: Set<UInt64> = []
            if let letter = taken.first(where: { $0.id == id }) {
                let results = await publisher.publish(batch: [letter.markedCorrected(by: newID)])
                if results.allSatisfy({ (try? $0.get()) != nil }) { acked.insert(letter.delivery.deliveryTag) }
            } else if let letter = taken.first(where: { $0.bundledIDs.contains(id) }) {
                let inner = letter.bundled.filter { $0.properties.messageID == id }
                let marked = inner.map { DeadLetter(service: service, delivery: $0).markedCorrected(by: newID) }
                if case .success = await split(letter, sending: marked, keeping: inner) {
                    acked.insert(letter.delivery.deliveryTag)
                }
            }
            try await release(taken.map(\.delivery), acking: acked)
            if !acked.isEmpty { return true }
        }
        return false
    }

    /// Publishes `messages` and parks every message of a bundle except those in `keeping` again one by one, all with
    /// confirms: the bundle may be acknowledged only when everything succeeded.
    private func split(_ letter: DeadLetter, sending messages: [AMQPOutgoingMessage], keeping inner: [AMQPDelivery])
        async -> Result<Void, AMQPError>
    {
        let chosen = Set(inner.compactMap(\.properties.messageID))
        let rest = letter.bundled.filter { !chosen.contains($0.properties.messageID ?? "") }
        let results = await publisher.publish(batch: messages + rest.map(letter.parkedAlone))
        for result in results {
            if case .failure(let error) = result { return .failure(error) }
        }
        return .success(())
    }

    /// Takes up to `limit` messages from a service's dead-letter queue without acknowledging them.
    private func take(_ service: String, limit: Int) async throws -> [DeadLetter] {
        let queue = "\(service).dead-letter"
        let deliveries = try await client.perform { session -> [AMQPDelivery] in
            var taken: [AMQPDelivery] = []
            while taken.count < limit, let delivery = try session.get(queue: queue) { taken.append(delivery) }
            return taken
        }
        return deliveries.map { DeadLetter(service: service, delivery: $0) }
    }

    /// Acknowledges the given tags and returns every other taken message to its queue.
    private func release(_ deliveries: [AMQPDelivery], acking acked: Set<UInt64>) async throws {
        guard !deliveries.isEmpty else { return }
        let tags = deliveries.map(\.deliveryTag)
        try await client.perform { session in
            for tag in tags {
                if acked.contains(tag) {
                    try session.ack(deliveryTag: tag)
                } else {
                    try session.nack(deliveryTag: tag, requeue: true)
                }
            }
        }
    }

    /// The services among `candidates` whose dead-letter queue exists (a missing one closes the channel, which the
    /// client reopens).
    static func existing(_ candidates: [String], client: AMQPClient) async -> [String] {
        var found: [String] = []
        for service in candidates {
            let exists =
                (try? await client.perform { session in
                    try session.declare(AMQPQueue(name: "\(service).dead-letter"), passive: true)
                }) != nil
            if exists { found.append(service) }
        }
        return found
    }

    /// A corrected copy of a parked message: a new message id, the same type, the corrected body (checked against the
    /// contract first), the original's id in `x-kvitt-corrects`, to the failed service's own queue.
    static func correction(
        of letter: DeadLetter,
        body: [UInt8],
        validate: ([UInt8], String) throws -> Void = MessageCatalogue.validate
    ) throws -> (AMQPOutgoingMessage, String) {
        do {
            try validate(body, letter.type)
        } catch {
            throw CLIError(
                "the corrected body is not a valid \(letter.type): \(MessageProcessor.describe(decodingError: error))"
            )
        }
        var message = letter.replayMessage()
        let newID = RandomIdentifier.make()
        message.properties.messageID = newID
        message.properties.headers[FailureHeaders.replayCount] = nil
        message.properties.headers[FailureHeaders.corrects] = .string(letter.id)
        // A corrected body is one JSON message, even when what was parked whole was a bundle.
        message.properties = message.properties.asSingleMessage
        message.body = body
        return (message, newID)
    }
}
