import Foundation
import KvittAMQP
import Synchronization

/// Service executables run as child processes the way an operator runs them — their own process, SQLite file and
/// port, on a shared exchange — which tests and the fault-injection run can kill (`kill -9`) and start again.
///
/// Children are spawned with posix_spawn and reaped with waitpid on a plain thread (see ``TestBroker/control(_:)``
/// for why Foundation's `Process` is not used); each child's output goes to `<folder>/<executable>.log`.
public final class ServiceProcesses: Sendable {
    /// One service: its executable, queue name (`SERVICE_NAME`) and HTTP port, fixed across restarts.
    public struct Service: Sendable {
        public let executable: String
        public let name: String
        public fileprivate(set) var port: Int
        fileprivate var environment: [String: String]
    }

    public let exchange: String
    public let folder: URL
    /// Every service; a port changes only when another process took it before the service's first bind.
    public var services: [String: Service] { described.withLock { $0 } }
    private let described: Mutex<[String: Service]>
    private let running = Mutex<[String: pid_t]>([:])

    /// Describes the services; nothing starts until ``start(_:)`` or ``startAll()``.
    public init(
        executables: [String],
        exchange: String,
        folder: URL,
        broker: AMQPURL,
        environment: [String: String] = [:]
    ) {
        self.exchange = exchange
        self.folder = folder
        var services: [String: Service] = [:]
        for executable in executables {
            let port = TestBroker.freePort()
            let name = "\(executable)-\(exchange)"
            let base = [
                "AMQP_URL": broker.environmentValue,
                "AMQP_EXCHANGE": exchange, "AMQP_DEAD_LETTER_EXCHANGE": "\(exchange).dead-letter",
                "SERVICE_NAME": name, "DATABASE_PATH": folder.appendingPathComponent("\(executable).sqlite").path,
                "HTTP_PORT": "\(port)", "LOG_LEVEL": "warning", "RETRY_DELAYS": "1s",
                // On loopback without API_TOKEN, which production refuses; a test about production says so and gives one.
                "KVITT_ENVIRONMENT": "test",
                // Each test system declares only its own queues unless a test is about start order (it says "on").
                "KVITT_DECLARE_PEERS": "off",
            ]
            services[executable] = Service(
                executable: executable,
                name: name,
                port: port,
                environment: base.merging(environment) { _, extra in extra }
            )
        }
        self.described = Mutex(services)
    }

    /// A test that fails half-way (a `#require`) never reaches its clean stop: whatever still runs is killed here,
    /// so no service outlives its test.
    deinit {
        for pid in running.withLock({ $0.values }) { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// The dead-letter exchange of these services.
    public var deadLetterExchange: String { "\(exchange).dead-letter" }

    /// The HTTP port of a service.
    public func port(_ executable: String) -> Int { services[executable]!.port }

    /// The SQLite file of a service (`DATABASE_PATH`: `<folder>/<executable>.sqlite` unless the environment says).
    public func databasePath(_ executable: String) -> String { services[executable]!.environment["DATABASE_PATH"]! }

    /// A free port is only free until someone binds it: tests running beside each other pick ports at random, and
    /// two can pick the same one. A service that exits because its port was taken gets another and starts again.
    private static let portAttempts = 5

    /// Starts every service and waits until each reports ready.
    public func startAll(timeout: Duration = .seconds(30)) async throws {
        for executable in services.keys.sorted() { try await start(executable, timeout: timeout) }
    }

    /// Starts one service (again) with the same settings and waits until `/health/ready` answers 200.
    /// - Throws: ``NotReady`` when it does not become ready in time.
    public func start(_ executable: String, timeout: Duration = .seconds(30)) async throws {
        for attempt in 1...Self.portAttempts {
            do {
                return try await startOnce(executable, timeout: timeout)
            } catch let notReady as NotReady where notReady.portTaken && attempt < Self.portAttempts {
                let port = TestBroker.freePort()
                described.withLock { services in
                    services[executable]!.port = port
                    services[executable]!.environment["HTTP_PORT"] = "\(port)"
                }
            }
        }
    }

    private func startOnce(_ executable: String, timeout: Duration) async throws {
        let service = services[executable]!
        let log = folder.appendingPathComponent("\(executable).log").path
        let path = TestBroker.executable(executable).path
        let environment = service.environment.map { "\($0.key)=\($0.value)" }
        guard let pid = Self.spawn(path, environment: environment, log: log) else {
            throw NotReady(executable, "could not be spawned")
        }
        running.withLock { $0[executable] = pid }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // A child that died (its port taken by another test, a bad setting) is not "ready" because something
            // else answers on the port.
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                running.withLock { _ = $0.removeValue(forKey: executable) }
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                let lastLine = output.split(separator: "\n").last.map(String.init) ?? ""
                throw NotReady(
                    executable,
                    "ended with \(Self.exitStatus(status)) (see \(log))",
                    portTaken: lastLine.contains("Address already in use")
                )
            }
            if await HTTPProbe.get(port: service.port, path: "/health/ready")?.status == 200 { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        throw NotReady(executable, "not ready within \(timeout)")
    }

    /// `kill -9`: no shutdown, no flush — what a crash or an OOM kill does. Waits until the process is gone.
    public func kill(_ executable: String) async {
        guard let pid = running.withLock({ $0.removeValue(forKey: executable) }) else { return }
        _ = Glibc.kill(pid, SIGKILL)
        _ = await Self.wait(pid)
    }

    /// SIGTERM to every running service; returns each one's exit status (0 = a clean shutdown).
    @discardableResult
    public func terminateAll() async -> [String: Int32] {
        let pids = running.withLock { all in
            defer { all.removeAll() }
            return all
        }
        for pid in pids.values { _ = Glibc.kill(pid, SIGTERM) }
        var statuses: [String: Int32] = [:]
        for (executable, pid) in pids {
            // A service stuck in its shutdown (waiting for a broker that is gone) must not hang the run: SIGKILL after
            // the grace period, which shows as 128 + 9 in its status.
            let killer = Task {
                try await Task.sleep(for: .seconds(30))
                _ = Glibc.kill(pid, SIGKILL)
            }
            statuses[executable] = await Self.wait(pid)
            killer.cancel()
        }
        return statuses
    }

    /// The process id of a running service.
    public func pid(_ executable: String) -> pid_t? { running.withLock { $0[executable] } }

    /// A service that did not start or did not become ready.
    public struct NotReady: Error, CustomStringConvertible {
        public let executable: String
        public let reason: String
        /// It exited because another process held its HTTP port.
        let portTaken: Bool
        init(_ executable: String, _ reason: String, portTaken: Bool = false) {
            self.executable = executable
            self.reason = reason
            self.portTaken = portTaken
        }
        public var description: String { "\(executable) did not become ready: \(reason)" }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func spawn(_ path: String, environment: [String], log: String) -> pid_t? {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // Only standard input, output and error: another test's pipe inherited here would never reach end of file.
        // glibc 2.34+ has the call, but Swift does not import it (it is behind _GNU_SOURCE), so look it up.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&fileActions, 3) }
        var pid: pid_t = 0
        let arguments = [strdup(path), nil]
        let variables = environment.map { strdup($0) } + [nil]
        defer {
            for argument in arguments { free(argument) }
            for variable in variables { free(variable) }
        }
        guard posix_spawn(&pid, path, &fileActions, nil, arguments, variables) == 0 else { return nil }
        return pid
    }

    /// A `waitpid` status as a shell reports it: the exit status, or 128 + the signal that ended the process.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Reaps a child on a plain thread; returns its exit status, or 128 + signal when a signal ended it.
    private static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: exitStatus(status))
            }
        }
    }
}
