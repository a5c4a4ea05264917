import Foundation
import KvittTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM ends a service within SHUTDOWN_GRACE whatever the broker does: here the "broker" accepts TCP connections
/// and never answers, so the connection threads are stuck in the AMQP handshake.
@Suite("Bounded shutdown of a service process")
struct BoundedShutdownTests {
    /// A listening socket that never accepts: the kernel completes each TCP handshake, and nothing is ever said.
    static func blackHole() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// The probe service against a "broker" on `broker` (a black hole), with a one-second grace period.
    static func launchProbe(broker: Int, httpPort: Int, environment: [String: String], standardError: Any) throws
        -> Process
    {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt-probe-service")
        process.environment = [
            "AMQP_URL": "amqp://guest:guest@127.0.0.1:\(broker)/", "PROBE_SERVICE_NAME": TestBroker.uniqueName("probe"),
            "DATABASE_PATH": try TestBroker.temporaryDirectory().appendingPathComponent("probe.sqlite").path,
            "HTTP_PORT": "\(httpPort)", "SHUTDOWN_GRACE": "1s", "KVITT_ENVIRONMENT": "test",
        ].merging(environment) { _, given in given }
        process.standardError = standardError
        try process.run()
        return process
    }

    @Test func sigtermEndsTheProcessWithinTheGracePeriodWhenTheBrokerNeverAnswers() async throws {
        let hole = try Self.blackHole()
        defer { close(hole.descriptor) }
        let process = try Self.launchProbe(
            broker: hole.port,
            httpPort: TestBroker.freePort(),
            environment: ["LOG_LEVEL": "critical"],
            standardError: FileHandle.nullDevice
        )
        // Long enough for both connections to be stuck waiting for the broker's first frame.
        try await Task.sleep(for: .seconds(2))
        let watch = Self.watchExit(of: process.processIdentifier, for: .seconds(15))
        let signalled = ContinuousClock.now
        process.terminate()
        let ended = await watch.value
        #expect(ended != nil, "still running 15 s after SIGTERM")
        // The grace period and the group's cancellation allowance (2 s), not the handshake timeout (10 s).
        if let ended { #expect(ended - signalled < .seconds(6), "SIGTERM took \(ended - signalled)") }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A service that fails (its HTTP port is taken) while its connections hang in the handshake: the group's
    /// shutdown then outlasts the grace period and the watchdog ends the process, and still the reason is logged the
    /// moment the service fails and the exit status is 1, that of a failed start, not 3.
    @Test func aServiceThatFailsWhileTheBrokerNeverAnswersSaysWhyAndExitsOne() async throws {
        let hole = try Self.blackHole()
        defer { close(hole.descriptor) }
        let taken = try Self.blackHole()
        defer { close(taken.descriptor) }
        let errors = Pipe()
        let process = try Self.launchProbe(
            broker: hole.port,
            httpPort: taken.port,
            environment: ["LOG_LEVEL": "warning", "LOG_FORMAT": "json"],
            standardError: errors
        )
        let ended = await Self.watchExit(of: process.processIdentifier, for: .seconds(20)).value
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let output = await Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        process.waitUntilExit()
        #expect(ended != nil, "still running 20 s after its port was refused")
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        let reason = lines.firstIndex { $0.contains("\"level\":\"critical\"") && $0.contains("Address already in use") }
        let watchdog = lines.firstIndex { $0.contains("did not finish within the grace period") }
        #expect(reason != nil, "the reason is logged: \(lines)")
        // Whether the watchdog fired depends on how long the handshake hangs; when it did, the reason came first.
        if let reason, let watchdog { #expect(reason < watchdog) }
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
    }

    /// When the child ends, seen from a thread of its own that reads `/proc`: the test's own tasks, on a cooperative
    /// pool that the whole suite keeps busy, can be seconds late, and that delay is not the child's.
    static func watchExit(of pid: pid_t, for limit: Duration) -> Task<ContinuousClock.Instant?, Never> {
        Task {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    let deadline = ContinuousClock.now + limit
                    while ContinuousClock.now < deadline {
                        if !isAlive(pid) { return continuation.resume(returning: ContinuousClock.now) }
                        usleep(10_000)
                    }
                    continuation.resume(returning: nil)
                }
            }
        }
    }

    /// Whether the process still runs: its `/proc/<pid>/stat` exists and its state is not Z (exited, not yet reaped
    /// by Foundation) or X.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let nameEnd = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: nameEnd)...].first { $0 != " " }
        return state != "Z" && state != "X"
    }
}
