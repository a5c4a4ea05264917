import KvittAMQP

/// A queue that an operator's command works through without losing a message: messages are taken with `basic.get`
/// and left unacknowledged, then each is acknowledged or returned (`basic.nack` with requeue) before the command ends.
/// The dead-letter queues and the unrouted queue are read this way.
struct OperatorQueue: Sendable {
    let client: AMQPClient
    let name: String

    /// Takes up to `limit` messages, oldest first, without acknowledging them.
    func take(limit: Int) async throws -> [AMQPDelivery] {
        let name = name
        return try await client.perform { session in
            var taken: [AMQPDelivery] = []
            while taken.count < limit, let delivery = try session.get(queue: name) { taken.append(delivery) }
            return taken
        }
    }

    /// Up to `limit` messages, oldest first; the queue is left as it was.
    func look(limit: Int) async throws -> [AMQPDelivery] {
        let name = name
        return try await client.perform { session in
            var seen: [AMQPDelivery] = []
            while seen.count < limit, let delivery = try session.get(queue: name) { seen.append(delivery) }
            for delivery in seen { try session.nack(deliveryTag: delivery.deliveryTag, requeue: true) }
            return seen
        }
    }

    /// How many messages wait in the queue now.
    func count() async throws -> Int {
        let name = name
        return try await client.perform { session in
            Int(try session.declare(AMQPQueue(name: name), passive: true).messages)
        }
    }

    /// Acknowledges the given tags and returns every other taken message to the queue. With `confirming`, ends with a
    /// round trip on the channel (a passive declare of the queue), so that an acknowledgement the broker did not take
    /// (the connection was lost since the messages were taken) is an error rather than silence.
    func release(_ deliveries: [AMQPDelivery], acking acked: Set<UInt64>, confirming: Bool = false) async throws {
        guard !deliveries.isEmpty else { return }
        let tags = deliveries.map(\.deliveryTag)
        let name = name
        try await client.perform { session in
            for tag in tags {
                if acked.contains(tag) {
                    try session.ack(deliveryTag: tag)
                } else {
                    try session.nack(deliveryTag: tag, requeue: true)
                }
            }
            if confirming { _ = try session.declare(AMQPQueue(name: name), passive: true) }
        }
    }

    /// Acknowledges `originals` (and returns every other message of `taken`) after their copies were confirmed. When
    /// the broker did not take the acknowledgements (the connection was lost, and the unacknowledged messages went
    /// back to the queue with it), reads the queue again on the new connection and acknowledges, of each identity,
    /// as many messages as were to be acknowledged. Both steps are bounded by `timeout`: with the broker gone for good,
    /// the client would wait for a connection for ever.
    ///
    /// Returns `nil` when the originals are shown removed, else why they may still be in the queue.
    func settle<Identity: Hashable & Sendable>(
        taken: [AMQPDelivery],
        acking originals: [AMQPDelivery],
        identity: @escaping @Sendable (AMQPDelivery) -> Identity,
        timeout: Duration
    ) async -> String? {
        let tags = Set(originals.map(\.deliveryTag))
        do {
            try await Deadline.run(timeout) { try await release(taken, acking: tags, confirming: true) }
            return nil
        } catch {
            var wanted: [Identity: Int] = [:]
            for original in originals { wanted[identity(original), default: 0] += 1 }
            let name = name
            let client = client
            do {
                try await Deadline.run(timeout) { [wanted] in
                    try await client.perform { session in
                        var remaining = wanted
                        var all: [AMQPDelivery] = []
                        while let delivery = try session.get(queue: name) { all.append(delivery) }
                        for delivery in all {
                            let key = identity(delivery)
                            if let count = remaining[key], count > 0 {
                                remaining[key] = count - 1
                                try session.ack(deliveryTag: delivery.deliveryTag)
                            } else {
                                try session.nack(deliveryTag: delivery.deliveryTag, requeue: true)
                            }
                        }
                        // A round trip on the channel: the broker has taken every acknowledgement before it answers.
                        _ = try session.declare(AMQPQueue(name: name), passive: true)
                    }
                }
                return nil
            } catch let recheck {
                return
                    "the copy was confirmed, but the connection was lost before the original was removed (\(error)); looking again failed too (\(recheck)): it may still be in \(name)"
            }
        }
    }
}
