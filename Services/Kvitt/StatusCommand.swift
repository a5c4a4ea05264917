import ArgumentParser
import Foundation
import KvittAMQP
import KvittMessaging

/// `kvitt status`: per service, its queue, consumers, retry queues and dead letters.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Queue depths per service.")
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Retry delays the services use.") var retryDelays =
        ProcessInfo.processInfo.environment["RETRY_DELAYS"] ?? "1s,10s,60s"

    func run() async throws {
        try await CLI.reportingErrors {
            let (client, publisher) = try await broker.connect()
            guard let policy = RetryPolicy(parsing: retryDelays) else {
                throw CLIError("--retry-delays is not a list like 1s,10s")
            }
            var rows: [[String]] = []
            for service in DeadLetterOperations.knownServices {
                let main = await Self.depth(service, client)
                let retries = await policy.delays.asyncMap {
                    await Self.depth("\(service).retry.\(RetryPolicy.label($0))", client)?.messages ?? 0
                }
                let dead = await Self.depth("\(service).dead-letter", client)
                let oldest = try await DeadLetterOperations(
                    client: client,
                    publisher: publisher,
                    services: dead == nil ? [] : [service]
                )
                .list(filter: DeadLetterFilter(), limit: 1).first?.failedAtDate
                rows.append([
                    service, main.map { "\($0.messages)" } ?? "missing", main.map { "\($0.consumers)" } ?? "-",
                    retries.map(String.init).joined(separator: "/"), dead.map { "\($0.messages)" } ?? "missing",
                    oldest.map { "\(Int(Date().timeIntervalSince($0)))s" } ?? "-",
                ])
            }
            print(
                CLI.table(["SERVICE", "QUEUE", "CONSUMERS", "RETRY (\(retryDelays))", "DEAD LETTERS", "OLDEST"], rows)
            )
            await client.stop()
            await publisher.stop()
        }
    }

    static func depth(_ queue: String, _ client: AMQPClient) async -> (messages: UInt32, consumers: UInt32)? {
        try? await client.perform { session in try session.declare(AMQPQueue(name: queue), passive: true) }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}
