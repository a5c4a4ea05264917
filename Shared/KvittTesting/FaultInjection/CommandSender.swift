import Foundation
import KvittAMQP
import KvittContracts
import Synchronization

/// Publishes commands as an upstream system would, sending every n-th one twice with the same message id (what a
/// publisher that lost a confirm does), and counts what it sent.
final class CommandSender: Sendable {
    let publisher: AMQPPublisher
    let exchange: String
    let duplicateEvery: Int
    private let counts = Mutex((sent: 0, duplicates: 0))

    init(publisher: AMQPPublisher, exchange: String, duplicateEvery: Int) {
        self.publisher = publisher
        self.exchange = exchange
        self.duplicateEvery = duplicateEvery
    }

    var sent: Int { counts.withLock { $0.sent } }
    var duplicates: Int { counts.withLock { $0.duplicates } }

    /// Counts a duplicate the caller sent on purpose (the same command under a new message id).
    func countDuplicate() { countDuplicates(1) }
    func countDuplicates(_ count: Int) { counts.withLock { $0.duplicates += count } }

    func send<M: KvittMessage>(_ command: M) async throws { try await send([command]) }

    /// Publishes the commands in one confirmed batch, with the planned transport duplicates among them.
    func send<M: KvittMessage>(_ commands: [M]) async throws {
        guard !commands.isEmpty else { return }
        var batch: [AMQPOutgoingMessage] = []
        var duplicates = 0
        for command in commands {
            let message = AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: M.messageType.rawValue,
                properties: AMQPProperties(envelope: MessageEnvelope(type: M.messageType, appID: "chaos-upstream")),
                body: try MessageCoding.encode(command)
            )
            batch.append(message)
            let number = counts.withLock { state in
                state.sent += 1
                return state.sent
            }
            if duplicateEvery > 0 && number % duplicateEvery == 0 {
                batch.append(message)
                duplicates += 1
            }
        }
        counts.withLock { $0.duplicates += duplicates }
        try await publishConfirmed(batch)
    }

    /// Publishes the commands now so that the broker itself delivers them `delay` later: they wait in a queue of
    /// their own whose messages expire into the exchange (dead-lettering inside the broker, which no resource alarm
    /// blocks). A nemesis uses it to have the services consume — and publish — while publishers are blocked.
    /// - Returns: the waiting queue, for the caller to delete.
    func sendDelayed<M: KvittMessage>(_ commands: [M], delay: Duration, broker: AMQPURL) async throws -> String {
        let queue = TestBroker.uniqueName("chaos-delay")
        let client = AMQPClient(
            url: broker,
            options: TestBroker.options("chaos-delay"),
            logger: TestBroker.logger("chaos-delay")
        )
        let waiting = AMQPQueue.classic(
            queue,
            arguments: [
                "x-message-ttl": .int64(Int64(delay.components.seconds) * 1000),
                "x-dead-letter-exchange": .string(exchange),
                "x-dead-letter-routing-key": .string(M.messageType.rawValue),
            ]
        )
        try await client.perform { session in _ = try session.declare(waiting) }
        await client.stop()
        let batch = try commands.map { command in
            AMQPOutgoingMessage(
                exchange: "",
                routingKey: queue,
                properties: AMQPProperties(envelope: MessageEnvelope(type: M.messageType, appID: "chaos-upstream")),
                body: try MessageCoding.encode(command)
            )
        }
        try await publishConfirmed(batch)
        return queue
    }

    /// Publishes a body no decoder accepts under a real routing key.
    func sendRaw(_ body: String, type: MessageType) async throws {
        var properties = AMQPProperties(envelope: MessageEnvelope(type: type, appID: "chaos-upstream"))
        properties.contentType = "application/json"
        try await publishConfirmed([
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: type.rawValue,
                properties: properties,
                body: Array(body.utf8)
            )
        ])
    }

    /// Retries what the broker did not confirm (it may be restarting): a command is sent until it is confirmed,
    /// which is what makes duplicates normal and the inbox necessary.
    private func publishConfirmed(_ batch: [AMQPOutgoingMessage]) async throws {
        var pending = batch
        for attempt in 1...60 {
            let results = await publisher.publish(batch: pending)
            pending = zip(pending, results).compactMap { message, result in
                if case .failure = result { return message }
                return nil
            }
            if pending.isEmpty { return }
            try await Task.sleep(for: .milliseconds(min(2000, 100 * attempt)))
        }
        throw FaultInjectionRun.RunFailure("\(pending.count) messages not confirmed after 60 attempts")
    }
}
