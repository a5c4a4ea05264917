import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// The four real service executables, each its own process with its own SQLite file, on their own exchange of the
/// real broker (so tests run side by side), with clock control on as in the demo; plus an upstream publisher, a
/// recorder of every event, and the `kvitt` CLI.
final class RunningSystem: Sendable {
    static let executables = ["invoicing", "payment-matching", "debt-collection", "tax-reduction"]

    typealias Running = ServiceProcesses.Service

    let processes: ServiceProcesses
    let publisher: AMQPPublisher
    let recorder: EventRecorder
    static let logger = TestBroker.logger("e2e")

    private init(processes: ServiceProcesses, publisher: AMQPPublisher, recorder: EventRecorder) {
        self.processes = processes
        self.publisher = publisher
        self.recorder = recorder
    }

    /// This system's exchange.
    var exchange: String { processes.exchange }
    /// Each executable's queue name and port.
    var services: [String: Running] { processes.services }
    /// Where the SQLite files and the services' logs are.
    var folder: URL { processes.folder }
    /// The dead-letter exchange of this system.
    var deadLetterExchange: String { processes.deadLetterExchange }

    /// Starts the four services and waits until each is ready.
    static func start(_ label: String, extraEnvironment: [String: String] = [:]) async throws -> RunningSystem {
        let processes = ServiceProcesses(
            executables: executables,
            exchange: TestBroker.uniqueName("e2e-\(label)"),
            folder: try TestBroker.temporaryDirectory(),
            broker: TestBroker.url,
            environment: ["KVITT_ENVIRONMENT": "test", "CLOCK_CONTROL": "on"].merging(extraEnvironment) { $1 }
        )
        try await processes.startAll()
        // The services declare the exchange; nothing is published before the first command, so nothing is missed.
        let recorder = try await EventRecorder(exchange: processes.exchange, patterns: ["#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        return RunningSystem(processes: processes, publisher: publisher, recorder: recorder)
    }

    /// Publishes a message as an upstream system would, with a fresh (or the given) message id, and the upstream
    /// span's W3C `traceparent` when it is traced.
    func send<M: KvittMessage>(_ payload: M, id: String = UUID().uuidString, traceParent: String? = nil) async throws {
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: M.messageType.rawValue,
                properties: AMQPProperties(
                    envelope: MessageEnvelope(
                        messageID: id,
                        type: M.messageType,
                        appID: "upstream",
                        traceParent: traceParent
                    )
                ),
                body: try MessageCoding.encode(payload)
            )
        )
    }

    /// Publishes raw bytes under a routing key: what a broken upstream system would send.
    func sendRaw(_ body: String, type: String, id: String = UUID().uuidString) async throws {
        var properties = AMQPProperties()
        properties.messageID = id
        properties.type = type
        properties.contentType = "application/json"
        properties.deliveryMode = 2
        try await publisher.publish(
            AMQPOutgoingMessage(exchange: exchange, routingKey: type, properties: properties, body: Array(body.utf8))
        )
    }

    /// The HTTP port of one of the four services.
    func port(_ service: String) -> Int { services[service]!.port }

    /// GETs a read-API path; `nil` when the service does not answer.
    func get(_ service: String, _ path: String) async -> (status: Int, body: String)? {
        await HTTPProbe.get(port: port(service), path: path)
    }

    /// GETs a read-API path and parses the JSON body (an object or an array).
    func json(_ service: String, _ path: String) async -> Any? {
        guard let answer = await get(service, path), answer.status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))
    }

    /// Waits until a read-API path answers 200 with a body that satisfies `condition`.
    func eventually(
        _ service: String,
        _ path: String,
        timeout: Duration = .seconds(15),
        _ condition: @escaping @Sendable (String) -> Bool
    ) async -> Bool {
        await TestBroker.eventually(timeout: timeout) {
            guard let answer = await self.get(service, path), answer.status == 200 else { return false }
            return condition(answer.body)
        }
    }

    /// Runs the real `kvitt` CLI against this system's broker; returns its exit status and combined output.
    @discardableResult
    func kvitt(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await CLIRunner.run(
            arguments,
            environment: [
                "AMQP_URL": TestBroker.url.environmentValue,
                "AMQP_EXCHANGE": exchange, "AMQP_DEAD_LETTER_EXCHANGE": deadLetterExchange, "RETRY_DELAYS": "1s",
                "KVITT_SERVICE_URLS": Self.executables.map { "http://127.0.0.1:\(port($0))" }.joined(separator: ","),
                "HOME": folder.path, "NO_COLOR": "1",
                "KVITT_AUDIT_PATH": folder.appendingPathComponent("kvitt-audit.sqlite").path,
            ]
        )
        return (result.status, result.output + result.errors)
    }

    /// Moves every service's business clock forward with `kvitt clock advance`.
    func advanceClock(_ duration: String) async throws {
        let result = try await kvitt(["clock", "advance", duration])
        try #require(result.status == 0, "kvitt clock advance: \(result.output)")
    }

    /// The business date the services agree on (invoicing's clock).
    func businessDate() async throws -> CalendarDate {
        let answer = try #require(await json("invoicing", "/v1/clock") as? [String: Any])
        let now = try #require(answer["now"] as? String)
        let instant = try #require(ISO8601DateFormatter().date(from: now))
        return CalendarDate.today(at: instant)
    }

    /// SIGTERM to every process (each must exit 0), then removes this system's queues and exchanges.
    func stop() async {
        for (executable, status) in await processes.terminateAll() {
            #expect(status == 0, "\(executable) exits cleanly")
        }
        await publisher.stop()
        await recorder.stop()
        await TestBroker.cleanUp(
            services: services.values.map(\.name),
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchanges: [exchange, deadLetterExchange]
        )
    }
}
