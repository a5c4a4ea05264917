import Foundation
import KvittTesting
import Testing

/// One run of a command from a test: the built `kvitt`, or a tool on the `PATH` (`docker-compose`, `python3`, the
/// broker's scripts). Its output goes to files rather than pipes (a pipe nobody reads fills up and blocks the child),
/// and the test waits for it without blocking a thread: two cores give the cooperative pool two threads, and an
/// in-process service the command talks to needs them. A command still running after its time limit is terminated and
/// recorded as a failure of the test.
struct CommandRun: Sendable {
    let status: Int32
    let output: String
    let errors: String

    /// Runs `executable` with `arguments` and `environment` in `directory` (else a fresh temporary folder), waiting at
    /// most `timeout` for it.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String],
        in directory: URL? = nil,
        timeout: Duration
    ) async throws -> CommandRun {
        let run = try await ExecutableRun.run(
            program: executable,
            arguments,
            environment: environment,
            in: directory,
            timeout: timeout
        )
        if run.timedOut {
            Issue.record("\(executable.lastPathComponent) \(arguments) was still running after \(timeout)")
        }
        return CommandRun(status: run.status, output: run.output, errors: run.errors)
    }

    /// A built executable (`kvitt`, a service) with only `environment`, as an operator's clean shell would run it.
    static func built(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> CommandRun {
        try await run(TestBroker.executable(executable), arguments, environment: environment, timeout: .seconds(20))
    }

    /// The built `kvitt` with the test process's environment (less any API token of its own), the test broker as
    /// `AMQP_URL` (a password never goes on a command line), and `environment` over both.
    static func kvitt(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> CommandRun {
        var variables = ProcessInfo.processInfo.environment
        variables["KVITT_API_TOKEN"] = nil
        variables["KVITT_API_TOKEN_FILE"] = nil
        variables["AMQP_URL"] = TestBroker.url.environmentValue
        return try await run(
            TestBroker.executable("kvitt"),
            arguments,
            environment: variables.merging(environment) { $1 },
            timeout: timeout
        )
    }

    /// A tool found on the `PATH`, run in the repository's root with the test process's environment.
    static func tool(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandRun {
        try await run(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments,
            environment: ProcessInfo.processInfo.environment,
            in: TestBroker.repositoryRoot,
            timeout: timeout
        )
    }
}
