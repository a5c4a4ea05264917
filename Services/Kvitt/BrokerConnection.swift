import ArgumentParser
import Foundation
import KvittAMQP
import Logging

/// How the CLI reaches the broker: `--url`, else `AMQP_URL`, else the local node.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "AMQP URL (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/).")
    var url: String?

    @Option(help: "Exchange the services use.")
    var exchange = ProcessInfo.processInfo.environment["AMQP_EXCHANGE"] ?? "kvitt"

    @Option(help: "Seconds to wait for the broker.")
    var timeout = 5

    var amqpURL: AMQPURL {
        get throws {
            let text = url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
            do { return try AMQPURL(parsing: text) } catch { throw CLIError("\(error)") }
        }
    }

    /// A connected client and publisher, or one clear line about why not.
    func connect() async throws -> (AMQPClient, AMQPPublisher) {
        let url = try amqpURL
        var logger = Logger(label: "kvitt")
        logger.logLevel = .critical
        let client = AMQPClient(url: url, options: .init(connectionName: "kvitt-cli"), logger: logger)
        let publisher = AMQPPublisher(url: url, options: .init(connectionName: "kvitt-cli-publisher"), logger: logger)
        do {
            try await client.waitUntilConnected(timeout: .seconds(timeout))
            try await publisher.waitUntilConnected(timeout: .seconds(timeout))
        } catch {
            await client.stop()
            await publisher.stop()
            throw CLIError("cannot reach the broker at \(url): \(error)")
        }
        return (client, publisher)
    }
}

/// An error the CLI reports as one line, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
