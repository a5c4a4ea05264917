import Foundation

/// Runs the real `kvitt` CLI (built next to the caller) and returns its standard output.
enum CLIRunner {
    static func run(_ arguments: [String], environment: [String: String]) async throws -> String {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt")
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
