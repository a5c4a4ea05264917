import Foundation

/// One run of a built executable (`--help`, a bad setting, a CLI command) with only the given environment, in a
/// fresh temporary folder, its output in files rather than pipes (a pipe nobody reads fills up and blocks the
/// child, and one inherited by another test's child never reaches its end), stopped after `timeout`. It waits
/// without blocking a thread.
public struct ExecutableRun: Sendable {
    public let status: Int32
    /// Standard output, read as UTF-8 (a byte that is not becomes U+FFFD rather than failing the run).
    public let output: String
    public let errors: String
    /// Whether it was still running at the deadline and was terminated (a service that started instead of
    /// answering).
    public let timedOut: Bool

    /// How long a child stopped at the deadline gets to exit after SIGTERM before SIGKILL.
    static let terminationGrace: Duration = .seconds(5)

    /// Runs `executable` (a product in the build folder) with `arguments` and waits at most `timeout` for it.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(20)
    ) async throws -> ExecutableRun {
        try await run(program: TestBroker.executable(executable), arguments, environment: environment, timeout: timeout)
    }

    /// Runs the program at `program` (a script interpreter, a system tool) the same way, in `directory` when given.
    public static func run(
        program: URL,
        _ arguments: [String],
        environment: [String: String] = [:],
        in directory: URL? = nil,
        timeout: Duration = .seconds(20)
    ) async throws -> ExecutableRun {
        let folder = try TestBroker.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("out")
        let errorFile = folder.appendingPathComponent("err")
        try Data().write(to: outputFile)
        try Data().write(to: errorFile)
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory ?? folder
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Waits without holding a thread: a test that blocks one of the two cooperative threads starves every
        // in-process service of the same run.
        let timedOut = await !exited(process, within: timeout)
        if timedOut {
            process.terminate()
            // A child that ignores SIGTERM must not hang the caller in waitUntilExit.
            if await !exited(process, within: terminationGrace) { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return ExecutableRun(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputFile), as: UTF8.self),
            errors: String(decoding: try Data(contentsOf: errorFile), as: UTF8.self),
            timedOut: timedOut
        )
    }

    /// Whether `process` exited within `limit`, polled without blocking a thread.
    private static func exited(_ process: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }
}
