import Foundation

/// The run's own RabbitMQ node as the nemeses handle it: the node `scripts/broker.sh` controls with the
/// `KVITT_BROKER_NODE` and `KVITT_AMQP_PORT` of this process's environment, never another one.
///
/// Everything goes through `scripts/broker.sh` (`ctl …` runs `rabbitmqctl` against the node), and the beam process is
/// found by asking the node itself (`os:getpid()`), so a kill or a freeze can only hit this node.
struct BrokerNode: Sendable {
    /// The AMQP heartbeat (seconds) the node offers while the run lasts. rabbitmq-c takes the broker's value when it
    /// is lower than the client's 30 s, so the services' connections use it, and a freeze or a cut link longer than
    /// two heartbeats is noticed by both sides.
    let heartbeat: Int

    /// What the node offered before the run, restored at the end.
    struct Settings: Sendable {
        var heartbeat: Int
        var diskFreeLimit: String
        var memoryWatermark: String
    }

    /// The node's current heartbeat, disk limit and memory watermark.
    func settings() async throws -> Settings {
        let heartbeat = try await Self.eval("application:get_env(rabbit, heartbeat).")
        let disk = try await Self.eval("rabbit_disk_monitor:get_disk_free_limit().")
        let memory = try await Self.eval("vm_memory_monitor:get_vm_memory_high_watermark().")
        guard let seconds = Int(heartbeat.filter(\.isNumber)), let bytes = Int(disk), Double(memory) != nil else {
            throw FaultInjectionRun.RunFailure("unexpected node settings: \(heartbeat), \(disk), \(memory)")
        }
        return Settings(heartbeat: seconds, diskFreeLimit: "\(bytes)", memoryWatermark: memory)
    }

    /// Makes the node offer ``heartbeat`` to the connections it accepts from now on.
    func offerShortHeartbeat() async throws {
        _ = try await Self.eval("application:set_env(rabbit, heartbeat, \(heartbeat)).")
    }

    /// Puts the node's settings back as they were before the run.
    func restore(_ settings: Settings) async throws {
        _ = try await Self.eval("application:set_env(rabbit, heartbeat, \(settings.heartbeat)).")
        _ = try await Self.ctl("set_disk_free_limit", settings.diskFreeLimit)
        _ = try await Self.ctl("set_vm_memory_high_watermark", settings.memoryWatermark)
    }

    /// The operating-system process id of the node's Erlang VM.
    func beamProcess() async throws -> pid_t {
        let answer = try await Self.eval("os:getpid().")
        guard let pid = pid_t(answer.filter(\.isNumber)), pid > 1 else {
            throw FaultInjectionRun.RunFailure("the node gave no process id: \(answer)")
        }
        return pid
    }

    /// `kill -9` of the node's VM — no shutdown, no goodbye to any connection — then, after `down`, a start with the
    /// same node settings. Returns the old and the new process ids (which must differ: the kill really happened).
    func killAndRestart(down: Duration) async throws -> (killed: pid_t, restarted: pid_t) {
        let pid = try await beamProcess()
        guard kill(pid, SIGKILL) == 0 else { throw FaultInjectionRun.RunFailure("kill -9 \(pid): errno \(errno)") }
        // The VM is not our child (the node runs detached): wait until the process is gone (or a zombie that whoever
        // adopted it has not reaped yet: its sockets are closed all the same).
        let deadline = ContinuousClock.now + .seconds(30)
        while Self.isRunning(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: down)
        try await start()
        return (pid, try await beamProcess())
    }

    /// Starts the node with ``heartbeat`` on its command line, so that connections made the moment it is up already
    /// get the short heartbeat.
    func start() async throws {
        let status = try await ShellCommand.run(
            ["/bin/bash", Self.script, "start"],
            extraEnvironment: ["RABBITMQ_SERVER_START_ARGS": "-rabbit heartbeat \(heartbeat)"]
        ).status
        guard status == 0 else { throw FaultInjectionRun.RunFailure("broker.sh start exited with \(status)") }
        try await offerShortHeartbeat()
    }

    /// SIGSTOP of the node's VM for `duration`, then SIGCONT: the sockets stay open, nothing answers.
    func freeze(for duration: Duration) async throws {
        let pid = try await beamProcess()
        guard kill(pid, SIGSTOP) == 0 else { throw FaultInjectionRun.RunFailure("kill -STOP \(pid): errno \(errno)") }
        // Whatever happens while frozen, the node must be thawed.
        try? await Task.sleep(for: duration)
        guard kill(pid, SIGCONT) == 0 else { throw FaultInjectionRun.RunFailure("kill -CONT \(pid): errno \(errno)") }
    }

    /// A memory alarm: a watermark no node can stay under blocks every publishing connection.
    func raiseMemoryAlarm() async throws {
        _ = try await Self.ctl("set_vm_memory_high_watermark", "0.0000001")
    }

    /// A disk alarm: a free-space limit far beyond any disk (1 PB).
    func raiseDiskAlarm() async throws {
        _ = try await Self.ctl("set_disk_free_limit", "1000000000000000")
    }

    /// Whether the node reports the alarm (`memory` or `disk`) as raised.
    func alarmRaised(_ resource: String) async -> Bool {
        let alarms = (try? await Self.eval("rabbit_alarm:get_alarms().")) ?? ""
        return alarms.contains(resource == "memory" ? "memory" : "disk")
    }

    /// Whether a process exists and is not a zombie (`/proc/<pid>/stat`'s state after the command's parenthesis).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    static var script: String { TestBroker.repositoryRoot.appendingPathComponent("scripts/broker.sh").path }

    /// `rabbitmqctl eval EXPRESSION` against the node; its output without the trailing newline.
    static func eval(_ expression: String) async throws -> String {
        try await ctl("eval", expression).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `scripts/broker.sh ctl ARGUMENTS`; throws when it fails.
    @discardableResult
    static func ctl(_ arguments: String...) async throws -> String {
        let result = try await ShellCommand.run(["/bin/bash", script, "ctl"] + arguments)
        guard result.status == 0 else {
            throw FaultInjectionRun.RunFailure(
                "broker.sh ctl \(arguments.joined(separator: " ")) exited with \(result.status)"
            )
        }
        return result.output
    }
}

/// Runs a command and collects its standard output (standard error is discarded).
///
/// Spawned with posix_spawn and reaped on a plain thread, as ``TestBroker/control(_:_:)`` does, so that no cooperative
/// thread blocks and a daemon the command leaves behind does not hold the call.
enum ShellCommand {
    struct Result: Sendable {
        let status: Int32
        let output: String
    }

    static func run(_ arguments: [String], extraEnvironment: [String: String] = [:]) async throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extraEnvironment) { _, extra in extra }
        let variables = environment.map { "\($0.key)=\($0.value)" }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result(catching: { try spawn(arguments, environment: variables) }))
            }
        }
    }

    private static func spawn(_ arguments: [String], environment: [String]) throws -> Result {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestBroker.uniqueName("kvitt-shell")
        ).path
        defer { unlink(output) }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        // A file, not a pipe: the node's daemons inherit standard output and would keep a pipe open for ever.
        posix_spawn_file_actions_addopen(&fileActions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for argument in cArguments { free(argument) }
            for variable in cEnvironment { free(variable) }
        }
        guard posix_spawn(&pid, arguments[0], &fileActions, nil, cArguments, cEnvironment) == 0 else {
            throw FaultInjectionRun.RunFailure("could not run \(arguments.joined(separator: " "))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { break }
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return Result(status: status & 0x7f == 0 ? (status >> 8) & 0xff : -1, output: text)
    }
}
