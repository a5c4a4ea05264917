import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import Logging
import Synchronization

/// The real RabbitMQ node that integration tests use, and helpers to keep tests apart on it.
///
/// Tests never share queue or exchange names: each asks for ``uniqueName(_:)`` names, so they can run in parallel
/// against one node and leave nothing that another test could read.
public enum TestBroker {
    /// `AMQP_URL` from the environment, or the project-local node of `scripts/broker.sh` on 127.0.0.1:5672.
    public static var url: AMQPURL {
        _ = reachableAtFirstUse
        return configuredURL
    }

    private static var configuredURL: AMQPURL {
        let text = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
        do {
            return try AMQPURL(parsing: text)
        } catch {
            fatalError("AMQP_URL is not a valid AMQP URL: \(error)")
        }
    }

    /// Checked once, when a test first needs the broker: without one, publishers and consumers would wait for it
    /// forever (as services should), and the run would hang instead of saying what is missing.
    private static let reachableAtFirstUse: Bool = {
        let target = configuredURL
        guard canConnect(host: target.host, port: Int(target.port)) else {
            fatalError(
                "no RabbitMQ at \(target.host):\(target.port): start it with scripts/broker.sh start (make test does)"
            )
        }
        return true
    }()

    private static func canConnect(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return false }
        defer { freeaddrinfo(results) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
    }

    /// A name no other test uses: `prefix-` and 12 random letters.
    public static func uniqueName(_ prefix: String) -> String {
        // Letters only (48 random bits as a–p): a hexadecimal name can hold ten digits in a row, which the logs and
        // errors mask as an identity-shaped number, and a test looking for the name there would then fail by chance.
        let letters = Array("abcdefghijklmnop")
        let random = withUnsafeBytes(of: UUID().uuid) { Array($0.prefix(6)) }
        let suffix = random.flatMap { [letters[Int($0 >> 4)], letters[Int($0 & 0x0F)]] }
        return "\(prefix)-\(String(suffix))"
    }

    /// Connection options for a test connection.
    public static func options(_ name: String) -> AMQPSession.Options {
        AMQPSession.Options(connectionName: "test-\(name)", heartbeat: 10)
    }

    /// A logger that prints warnings and worse, so a failing test shows what the transport saw.
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    /// The repository root, found from this file's path (`Shared/KvittTesting/TestBroker.swift`).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs `scripts/broker.sh` with an action (`start`, `stop`) and waits for it.
    ///
    /// Spawned with posix_spawn and reaped with waitpid on a plain thread: Foundation's `Process` never noticed the
    /// script's exit here once the broker's daemons (which it starts) outlived it, and blocking a cooperative
    /// thread on 2 cores stalls every task.
    public static func control(_ action: String, _ arguments: String...) async throws {
        let script = repositoryRoot.appendingPathComponent("scripts/broker.sh").path
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: spawnAndWait(["/bin/bash", script, action] + arguments))
            }
        }
        guard status == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "broker.sh \(([action] + arguments).joined(separator: " ")) exited with \(status)"
                ]
            )
        }
    }

    /// A broker user of its own (created if missing, with every permission on the default vhost) and its URL: an
    /// upstream system that publishes as itself, whose `user_id` property the broker validates.
    public static func user(_ name: String, password: String) async throws -> AMQPURL {
        try? await control("ctl", "add_user", name, password)
        try await control("ctl", "set_permissions", "-p", "/", name, ".*", ".*", ".*")
        return try AMQPURL(parsing: "amqp://\(name):\(password)@\(url.host):\(url.port)/")
    }

    /// Runs a command with standard output discarded and returns its exit status (-1 when it could not start).
    static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        guard posix_spawn(&pid, arguments[0], &fileActions, nil, cArguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }
}

extension TestBroker {
    /// An executable built next to the test bundle (`kvitt-probe-service`, the services).
    public static func executable(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago, for a child process's HTTP server.
    ///
    /// Chosen below Linux's ephemeral range (32768 and up), where the tests' own outgoing connections take their
    /// ports, and checked by binding it once. A port is handed out once per test process: the suite picks a few
    /// hundred while a child takes a second to bind its own, and random picks from 12 000 ports would coincide in
    /// about every other run (the birthday problem).
    public static func freePort() -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fresh = handedOutPorts.withLock { $0.insert(candidate).inserted }
            if fresh && canBind(candidate) { return candidate }
        }
        return Int.random(in: 20_000..<32_000)
    }

    private static let handedOutPorts = Mutex<Set<Int>>([])

    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A quorum queue bound to `exchange` for one message type, to see what a service publishes as delivered.
    public static func queue<Message: KvittMessage>(
        _ name: String,
        receiving type: Message.Type,
        from exchange: String
    ) -> AMQPTopology {
        AMQPTopology(
            queues: [.quorum(name)],
            bindings: [AMQPBinding(queue: name, exchange: exchange, routingKey: Message.messageType.rawValue)]
        )
    }

    /// A fresh folder under the system's temporary directory.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("kvitt-test"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deletes queues and exchanges a test declared.
    public static func cleanUp(queues: [String], exchanges: [String] = [], on broker: AMQPURL = url) async {
        let client = AMQPClient(url: broker, options: options("cleanup"), logger: logger("cleanup"))
        for queue in queues { _ = try? await client.perform { session in try session.deleteQueue(queue) } }
        for exchange in exchanges { _ = try? await client.perform { session in try session.deleteExchange(exchange) } }
        await client.stop()
    }

    /// Deletes the queues a service declared (work, dead-letter, one wait queue per retry delay) and its exchanges,
    /// with each exchange's unrouted exchange and queue, which a Kvitt service declares beside its exchange.
    public static func cleanUp(
        services: [String],
        retryPolicy: RetryPolicy = .standard,
        exchanges: [String],
        on broker: AMQPURL = url
    ) async {
        let queues = services.flatMap { service in
            ServiceTopology(serviceName: service, messageTypes: [], retryPolicy: retryPolicy).amqpTopology.queues.map(
                \.name
            )
        }
        // The queue has the unrouted exchange's name; deleting one that was never declared does nothing.
        let unrouted = exchanges.map(SystemTopology.unroutedExchange(of:))
        await cleanUp(queues: queues + unrouted, exchanges: exchanges + unrouted, on: broker)
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
    public static func eventually(
        timeout: Duration = .seconds(30),
        _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
