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
            letters += try await queue(of: service).look(limit: limit).map {
                DeadLetter(service: service, delivery: $0)
            }
            .filter(filter.matches)
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
                try await queue(of: service).release(taken.map(\.delivery), acking: [])
                continue
            }
            await beforeSettling()
            let problem = await queue(of: service).settle(
                taken: taken.map(\.delivery),
                acking: settled.map(\.original.delivery),
                identity: { DeadLetter(service: service, delivery: $0).identity },
                timeout: recheckTimeout
            )
            let replayed = settled.flatMap(\.replayed)
            if let problem {
                outcome.stillParked += replayed.map { ($0, problem) }
            } else {
                outcome.replayed += replayed
            }
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
            try await queue(of: service).release(taken.map(\.delivery), acking: acked, confirming: true)
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
            try await queue(of: service).release(taken.map(\.delivery), acking: acked, confirming: true)
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

    /// A service's dead-letter queue.
    private func queue(of service: String) -> OperatorQueue {
        OperatorQueue(client: client, name: "\(service).dead-letter")
    }

    /// Takes up to `limit` messages from a service's dead-letter queue without acknowledging them.
    private func take(_ service: String, limit: Int) async throws -> [DeadLetter] {
        try await queue(of: service).take(limit: limit).map { DeadLetter(service: service, delivery: $0) }
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
