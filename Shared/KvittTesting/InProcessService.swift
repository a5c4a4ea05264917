import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import Logging
import Synchronization

/// A service built by the real host and run inside the test process against the real broker, on its own uniquely
/// named exchanges and queue so that tests can run side by side.
public final class InProcessService: Sendable {
    public let name: String
    public let exchange: String
    public let deadLetterExchange: String
    public let settings: ServiceSettings
    public let port: Int
    public let store: MessageStore
    private let task: Task<Void, any Error>
    private let shutdown: @Sendable () async -> Void

    /// Starts `definition` under a unique name and waits until `/health/ready` answers 200.
    /// - Parameters:
    ///   - exchanges: the exchange and dead-letter exchange to share with other services of the same test; fresh
    ///     unique ones when absent.
    ///   - environment: extra settings (`RETRY_DELAYS`, `BATCH_SIZE`…).
    public static func start(
        _ definition: ServiceDefinition,
        exchanges: (exchange: String, deadLetter: String)? = nil,
        environment: [String: String] = [:],
        clock: any BusinessClock = SystemClock(),
        logger: Logger = TestBroker.logger("service")
    ) async throws -> InProcessService {
        var definition = definition
        definition.name = TestBroker.uniqueName(definition.name)
        let exchange = exchanges?.exchange ?? TestBroker.uniqueName("kvitt")
        let deadLetterExchange = exchanges?.deadLetter ?? TestBroker.uniqueName("kvitt-dlx")
        let folder = try TestBroker.temporaryDirectory()
        let url = TestBroker.url
        let settings = try ServiceSettings(
            serviceName: definition.name,
            defaultHTTPPort: 0,
            environment: [
                "AMQP_URL": url.environmentValue,
                "AMQP_EXCHANGE": exchange, "AMQP_DEAD_LETTER_EXCHANGE": deadLetterExchange,
                "DATABASE_PATH": folder.appendingPathComponent("service.sqlite").path, "HTTP_PORT": "0",
            ].merging(environment) { _, override in override }
        )
        let port = Mutex(0)
        let group = try KvittServiceHost.build(
            definition,
            settings: settings,
            clock: clock,
            onHTTPRunning: { bound in port.withLock { $0 = bound } },
            handlesSignals: false,
            logger: logger
        )
        let task = Task { try await group.run() }
        let lastAnswer = Mutex("no answer")
        // Generous: when the whole suite starts, CPU-bound tests can hold both cooperative threads of a 2-core
        // machine for tens of seconds, and the health route waits for one.
        let ready = await TestBroker.eventually(timeout: .seconds(120)) {
            let bound = port.withLock { $0 }
            guard bound > 0 else { return false }
            let answer = await HTTPProbe.get(port: bound, path: "/health/ready")
            lastAnswer.withLock { $0 = answer.map { "\($0.status): \($0.body)" } ?? "no answer on port \(bound)" }
            return answer?.status == 200
        }
        guard ready else {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw CocoaError(
                .executableLoad,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "\(definition.name) never became ready; /health/ready said: \(lastAnswer.withLock { $0 })"
                ]
            )
        }
        return InProcessService(
            name: definition.name,
            exchange: exchange,
            deadLetterExchange: deadLetterExchange,
            settings: settings,
            port: port.withLock { $0 },
            store: try MessageStore(path: settings.databasePath),
            task: task,
            shutdown: { await group.triggerGracefulShutdown() }
        )
    }

    private init(
        name: String,
        exchange: String,
        deadLetterExchange: String,
        settings: ServiceSettings,
        port: Int,
        store: MessageStore,
        task: Task<Void, any Error>,
        shutdown: @escaping @Sendable () async -> Void
    ) {
        self.name = name
        self.exchange = exchange
        self.deadLetterExchange = deadLetterExchange
        self.settings = settings
        self.port = port
        self.store = store
        self.task = task
        self.shutdown = shutdown
    }

    /// A publishable message with a Kvitt envelope, to this service's exchange.
    public func message<M: KvittMessage>(_ payload: M, id: String = UUID().uuidString) throws -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: M.messageType.rawValue,
            properties: AMQPProperties(envelope: MessageEnvelope(messageID: id, type: M.messageType, appID: "test")),
            body: try MessageCoding.encode(payload)
        )
    }

    /// Shuts the service down gracefully and deletes its broker objects.
    public func stop() async throws {
        await shutdown()
        try await task.value
        await TestBroker.cleanUp(
            services: [name],
            retryPolicy: settings.retryPolicy,
            exchanges: [exchange, deadLetterExchange]
        )
    }
}

/// Collects every message published to an exchange under some routing-key patterns, for assertions.
public final class EventRecorder: Sendable {
    public let queue: String
    private let consumer: AMQPConsumer
    private let collecting: Task<Void, Never>

    /// Binds a fresh queue to `exchange` with each pattern (`invoicing.#`) and starts collecting.
    public init(exchange: String, patterns: [String], broker: AMQPURL = TestBroker.url) async throws {
        let queue = TestBroker.uniqueName("recorder")
        self.queue = queue
        let topology = AMQPTopology(
            queues: [AMQPQueue(name: queue, durable: false)],
            bindings: patterns.map { AMQPBinding(queue: queue, exchange: exchange, routingKey: $0) }
        )
        let consumer = AMQPConsumer(
            url: broker,
            options: TestBroker.options(queue),
            topology: topology,
            queues: [queue],
            prefetch: 500,
            logger: TestBroker.logger("recorder")
        )
        try await consumer.waitUntilConnected()
        self.consumer = consumer
        let box = ReceivedBox()
        collecting = Task {
            for await batch in consumer.batches {
                // A bundle is recorded as the messages it carries.
                box.append(batch.flatMap { (try? $0.unbundled()) ?? [$0] })
                consumer.ack(batch.last!, multiple: true)
            }
        }
        self.box = box
    }

    private let box: ReceivedBox

    /// Everything received so far, each message of a bundle as a delivery of its own.
    public var deliveries: [AMQPDelivery] { box.all }

    /// The received messages of one type, decoded.
    public func messages<M: KvittMessage>(_ type: M.Type) -> [M] {
        deliveries.filter { $0.properties.type == M.messageType.rawValue }
            .compactMap { try? MessageCoding.decode(M.self, from: $0.body) }
    }

    /// Waits until a message of the type satisfies `matching`, and returns it.
    public func wait<M: KvittMessage>(
        for type: M.Type,
        timeout: Duration = .seconds(15),
        where matching: (M) -> Bool = { _ in true }
    ) async -> M? {
        var found: M?
        _ = await TestBroker.eventually(timeout: timeout) {
            found = messages(type).first(where: matching)
            return found != nil
        }
        return found
    }

    public func stop() async {
        await consumer.stop()
        await collecting.value
        await TestBroker.cleanUp(queues: [queue])
    }
}

private final class ReceivedBox: Sendable {
    private let deliveries = Mutex<[AMQPDelivery]>([])
    func append(_ batch: [AMQPDelivery]) { deliveries.withLock { $0.append(contentsOf: batch) } }
    var all: [AMQPDelivery] { deliveries.withLock { $0 } }
}
