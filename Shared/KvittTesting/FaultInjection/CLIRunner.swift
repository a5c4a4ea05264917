import Foundation

/// Runs the real `kvitt` CLI, built next to the caller.
public enum CLIRunner {
    /// What one run printed, and how it ended.
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errors: String
    }

    public static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt")
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes at once: a long report on one must not block the CLI while the other is read.
        async let standardError = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        let problem = await standardError
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: data, as: UTF8.self),
            errors: String(decoding: problem, as: UTF8.self)
        )
    }

    /// Its standard output; a non-zero exit throws with what it wrote on standard error.
    static func output(_ arguments: [String], environment: [String: String]) async throws -> String {
        let result = try await run(arguments, environment: environment)
        guard result.status == 0 else {
            throw FaultInjectionRun.RunFailure(
                "kvitt \(arguments.joined(separator: " ")) exited with \(result.status): \(result.errors)"
            )
        }
        return result.output
    }
}
