import Foundation
import KvittAMQP
import Logging

/// The real RabbitMQ node that integration tests use, and helpers to keep tests apart on it.
///
/// Tests never share queue or exchange names: each asks for ``uniqueName(_:)`` names, so they can run in parallel
/// against one node and leave nothing that another test could read.
public enum TestBroker {
    /// `AMQP_URL` from the environment, or the project-local node of `scripts/broker.sh` on 127.0.0.1:5672.
    public static var url: AMQPURL {
        let text = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
        do {
            return try AMQPURL(parsing: text)
        } catch {
            fatalError("AMQP_URL is not a valid AMQP URL: \(error)")
        }
    }

    /// A name no other test uses: `prefix-` and 12 random hex digits.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
    }

    /// Connection options for a test connection.
    public static func options(_ name: String) -> AMQPSession.Options {
        AMQPSession.Options(connectionName: "test-\(name)", heartbeat: 10)
    }

    /// A logger that prints warnings and worse, so a failing test shows what the transport saw.
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    /// The repository root, found from this file's path (`Shared/KvittTesting/TestBroker.swift`).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs `scripts/broker.sh` with an action (`start`, `stop`) and waits for it.
    public static func control(_ action: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/broker.sh").path, action]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "broker.sh \(action) failed"])
        }
    }
}
