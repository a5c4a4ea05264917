import Foundation

/// Runs the real `kvitt` CLI (built next to the caller) and returns its standard output; a non-zero exit throws with
/// what it wrote on standard error.
enum CLIRunner {
    static func run(_ arguments: [String], environment: [String: String]) async throws -> String {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt")
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        async let standardError = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        let problem = await standardError
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FaultInjectionRun.RunFailure(
                "kvitt \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: problem, as: UTF8.self)
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}
