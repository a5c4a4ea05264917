import Foundation

/// Runs the real `kvitt` CLI, built next to the caller, as an ``ExecutableRun``: its output in files, waited for
/// without blocking one of the cooperative threads that the caller's in-process services need.
public enum CLIRunner {
    /// What one run printed, and how it ended.
    public typealias Result = ExecutableRun

    /// The longest a CLI command may take: a `dead-letters list` of a long queue on a loaded machine takes seconds,
    /// one that still runs after this has hung.
    public static let timeout: Duration = .seconds(300)

    public static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        try await ExecutableRun.run("kvitt", arguments, environment: environment, timeout: timeout)
    }

    /// Its standard output; a non-zero exit throws with what it wrote on standard error.
    static func output(_ arguments: [String], environment: [String: String]) async throws -> String {
        let result = try await run(arguments, environment: environment)
        guard result.status == 0 else {
            let ending = result.timedOut ? "was stopped after \(timeout)" : "exited with \(result.status)"
            throw FaultInjectionRun.RunFailure("kvitt \(arguments.joined(separator: " ")) \(ending): \(result.errors)")
        }
        return result.output
    }
}
