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
    /// Where replays and re-parked messages are published.
    var routes = DeadLetterRoutes()

    /// The catalogue's services, by their queue names.
    static let knownServices = KvittService.allCases.map(\.rawValue)

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
        /// Confirmed copies whose originals are gone from the dead-letter queue.
        var replayed: [DeadLetter] = []
        /// Not replayed (the copy was not confirmed); the original stays parked.
        var failed: [(DeadLetter, String)] = []
        /// Confirmed copies whose originals are still parked: the connection was lost before the broker took the
        /// acknowledgement, and looking again could not remove them. Replaying them again is harmless (same message id,
        /// the service's inbox skips it).
        var stillParked: [(DeadLetter, String)] = []
    }

    /// Called after the copies are confirmed and before the originals are acknowledged (tests cut the connection
    /// here).
    var beforeSettling: @Sendable () async -> Void = {}
    /// How long looking again after a lost connection may wait for the broker before the originals are reported
    /// as possibly still parked.
    var recheckTimeout: Duration = .seconds(15)

    /// Republishes the selected dead letters to their services' queues, at most `rate` per second.
    ///
    /// An original is acknowledged only after its copy was confirmed, and reported replayed only once the broker
    /// has taken that acknowledgement; when the connection is lost first, the queue is read again and what is still
    /// there is acknowledged then, or reported as still parked.
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
            // Each acknowledged original and what its confirmed copies replayed.
            var settled: [(original: DeadLetter, replayed: [DeadLetter])] = []
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
                switch await split(letter, sending: chosen.map { $0.replayMessage(routes) }, keeping: inner) {
                case .success:
                    settled.append((letter, chosen))
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
                    let results = await publisher.publish(batch: chunk.map { $0.replayMessage(routes) })
                    for (letter, result) in zip(chunk, results) {
                        switch result {
                        case .success:
                            settled.append((letter, [letter]))
                        case .failure(let error):
                            outcome.failed.append((letter, "not confirmed (\(error)); the original stays parked"))
                        }
                    }
                    start += chunk.count
                    progress(settled.count + outcome.failed.count, selected.count)
                    if rate != nil, start < selected.count {
                        let elapsed = ContinuousClock.now - started
                        if elapsed < .seconds(1) { try await Task.sleep(for: .seconds(1) - elapsed) }
                    }
                }
            } else {
                outcome.replayed += selected
            }
            guard !dryRun else {
                try await release(taken.map(\.delivery), acking: [])
                continue
            }
            await beforeSettling()
            let remaining = await settle(
                service,
                taken: taken,
                acking: settled.map(\.original)
            )
            for (original, replayed) in settled {
                if let problem = remaining[original.identity] {
                    outcome.stillParked += replayed.map { ($0, problem) }
                } else {
                    outcome.replayed += replayed
                }
            }
        }
        return outcome
    }

    /// Acknowledges `acking` (and returns every other taken message); when the broker did not take the
    /// acknowledgements (the connection was lost), reads the queue again on the new connection and acknowledges the
    /// originals still there. Returns the originals that could not be shown removed, with why.
    private func settle(_ service: String, taken: [DeadLetter], acking originals: [DeadLetter]) async -> [DeadLetter
        .Identity: String]
    {
        let tags = Set(originals.map(\.delivery.deliveryTag))
        do {
            // Bounded: with the broker gone for good, the operation would wait for a connection for ever.
            try await Deadline.run(recheckTimeout) {
                try await release(taken.map(\.delivery), acking: tags, confirmingOn: "\(service).dead-letter")
            }
            return [:]
        } catch {
            // Unacknowledged deliveries went back to the queue with the connection: look for them again.
            let wanted = Set(originals.map(\.identity))
            let queue = "\(service).dead-letter"
            let client = client
            do {
                _ = try await Deadline.run(recheckTimeout) {
                    try await client.perform { session -> Set<DeadLetter.Identity> in
                        var all: [AMQPDelivery] = []
                        while let delivery = try session.get(queue: queue) { all.append(delivery) }
                        var found: Set<DeadLetter.Identity> = []
                        for delivery in all {
                            let identity = DeadLetter(service: service, delivery: delivery).identity
                            if wanted.contains(identity) && found.insert(identity).inserted {
                                try session.ack(deliveryTag: delivery.deliveryTag)
                            } else {
                                try session.nack(deliveryTag: delivery.deliveryTag, requeue: true)
                            }
                        }
                        // A round trip on the channel: the broker has taken every acknowledgement before it answers.
                        _ = try session.declare(AMQPQueue(name: queue), passive: true)
                        return found
                    }
                }
                return [:]
            } catch let recheck {
                let problem =
                    "the copy was confirmed, but the connection was lost before the original was removed (\(error)); looking again failed too (\(recheck)): it may still be parked"
                return Dictionary(uniqueKeysWithValues: wanted.map { ($0, problem) })
            }
        }
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
            try await release(taken.map(\.delivery), acking: acked, confirmingOn: "\(service).dead-letter")
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
                let results = await publisher.publish(batch: [letter.markedCorrected(by: newID, routes)])
                if results.allSatisfy({ (try? $0.get()) != nil }) { acked.insert(letter.delivery.deliveryTag) }
            } else if let letter = taken.first(where: { $0.bundledIDs.contains(id) }) {
                let inner = letter.bundled.filter { $0.properties.messageID == id }
                let marked = inner.map { DeadLetter(service: service, delivery: $0).markedCorrected(by: newID, routes) }
                if case .success = await split(letter, sending: marked, keeping: inner) {
                    acked.insert(letter.delivery.deliveryTag)
                }
            }
            try await release(taken.map(\.delivery), acking: acked, confirmingOn: "\(service).dead-letter")
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
        let results = await publisher.publish(batch: messages + rest.map { letter.parkedAlone($0, routes) })
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

    /// Acknowledges the given tags and returns every other taken message to its queue. With `confirmingOn`, ends
    /// with a round trip on the channel (a passive declare of that queue), so that an acknowledgement the broker did
    /// not take (the connection was lost since the messages were taken) is an error rather than silence.
    private func release(
        _ deliveries: [AMQPDelivery],
        acking acked: Set<UInt64>,
        confirmingOn queue: String? = nil
    ) async throws {
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
            if let queue { _ = try session.declare(AMQPQueue(name: queue), passive: true) }
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
        routes: DeadLetterRoutes,
        validate: ([UInt8], String) throws -> Void = MessageCatalogue.validate
    ) throws -> (AMQPOutgoingMessage, String) {
        do {
            try validate(body, letter.type)
        } catch {
            throw CLIError(
                "the corrected body is not a valid \(letter.type): \(MessageProcessor.describe(decodingError: error))"
            )
        }
        var message = letter.replayMessage(routes)
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
