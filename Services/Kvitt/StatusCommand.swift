import ArgumentParser
import Foundation
import KvittAMQP
import KvittMessaging

/// `kvitt status`: per service, its queue, consumers, retry queues and dead letters; then debt-collection's held
/// cases (cases whose next step cannot be taken), read from its `GET /v1/case-summary`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Queue depths per service, and debt-collection's held cases."
    )
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Retry delays the services use (default: RETRY_DELAYS, else 1s,10s,60s).")
    var retryDelays: String?
    @Option(help: "debt-collection's HTTP base URL (default: KVITT_DEBT_COLLECTION_URL, else http://127.0.0.1:8083).")
    var debtCollectionURL: String?

    func run() async throws {
        try await CLI.reportingErrors {
            let policy = try CLISettings.retryPolicy(retryDelays)
            let debtCollectionURL = try debtCollectionURL ?? CLISettings.configuration().text(.debtCollectionURL)
            let retryLabel = policy.delays.map(RetryPolicy.label).joined(separator: ",")
            let (client, publisher) = try await broker.connect()
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
                CLI.table(["SERVICE", "QUEUE", "CONSUMERS", "RETRY (\(retryLabel))", "DEAD LETTERS", "OLDEST"], rows)
            )
            let unrouted = SystemTopology.unroutedExchange(of: try broker.exchange)
            let waiting = await Self.depth(unrouted, client)
            print(
                "unrouted (no queue was bound): \(waiting.map { "\($0.messages) in \(unrouted)" } ?? "\(unrouted) missing")"
            )
            await client.stop()
            await publisher.stop()
            print(await Self.heldCasesLine(debtCollectionURL))
        }
    }

    /// The part of debt-collection's `GET /v1/case-summary` that status shows.
    struct CaseSummary: Decodable {
        let held: Int
        let heldByReason: [String: Int]
        let oldestHeldSince: String?
    }

    /// Debt-collection's held cases: a line with the count and the oldest, then one line per reason; when the service
    /// cannot be asked, a line that says so (the queue table above stands on its own, so this never fails the
    /// command).
    static func heldCasesLine(_ base: String) async -> String {
        let label = "held collection cases:"
        let status: Int
        let data: Data
        do {
            (status, data) = try await ServiceRequest.send(base, "/v1/case-summary", timeout: 5)
        } catch ServiceRequest.Failure.notAURL {
            return "\(label) unknown (\(base): not a URL)"
        } catch {
            // Unreachable; a configuration that cannot be read has already stopped the command before this line.
            return "\(label) unknown (\(base): not reachable)"
        }
        guard status == 200, let summary = try? JSONDecoder().decode(CaseSummary.self, from: data) else {
            return "\(label) unknown (\(base): HTTP \(status), not debt-collection's case summary)"
        }
        guard summary.held > 0 else { return "\(label) 0" }
        let since = summary.oldestHeldSince.map { ", oldest held since \($0)" } ?? ""
        let reasons = summary.heldByReason.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        let width = reasons.map(\.key.count).max() ?? 0
        // One line per reason: each reason needs its own remedy (a missing reference rate, a corrupt case).
        let lines = reasons.map { reason, count in
            "  \(reason.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)"
        }
        return
            (["\(label) \(summary.held)\(since); see \(ServiceRequest.address(base, "/v1/cases?status=held"))"] + lines)
            .joined(separator: "\n")
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
