import Foundation

/// One run of a built executable (`--help`, a bad setting, a CLI command) with only the given environment, in a
/// fresh temporary folder, its output in files rather than pipes (a pipe nobody reads fills up and blocks the
/// child), stopped after `timeout`. It waits without blocking a thread.
public struct ExecutableRun: Sendable {
    public let status: Int32
    public let output: String
    public let errors: String
    /// Whether it was still running at the deadline and was terminated (a service that started instead of
    /// answering).
    public let timedOut: Bool

    /// Runs `executable` (a product in the build folder) with `arguments` and waits at most `timeout` for it.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(20)
    ) async throws -> ExecutableRun {
        let folder = try TestBroker.temporaryDirectory()
        let outputFile = folder.appendingPathComponent("out")
        let errorFile = folder.appendingPathComponent("err")
        try Data().write(to: outputFile)
        try Data().write(to: errorFile)
        let process = Process()
        process.executableURL = TestBroker.executable(executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Waits without holding a thread: a test that blocks one of the two cooperative threads starves every
        // in-process service of the same run.
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        return ExecutableRun(
            status: process.terminationStatus,
            output: try String(contentsOf: outputFile, encoding: .utf8),
            errors: try String(contentsOf: errorFile, encoding: .utf8),
            timedOut: timedOut
        )
    }
}
