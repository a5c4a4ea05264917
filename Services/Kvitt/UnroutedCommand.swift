import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// `kvitt unrouted …`: events the exchange had no queue for, caught by its alternate exchange in `kvitt.unrouted`.
struct UnroutedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unrouted",
        abstract: "List and re-publish events no queue was bound to (the alternate exchange's queue kvitt.unrouted).",
        subcommands: [List.self, Republish.self]
    )

    struct Selection: ParsableArguments {
        @Option(help: "Only messages of this wire name.") var type: String?
        @Option(name: .customLong("id"), help: "Only this message id (repeatable).") var ids: [String] = []
        @Option(help: "Look at most at this many messages.") var limit = 10_000

        func matches(_ delivery: AMQPDelivery) -> Bool {
            (type == nil || UnroutedOperations.wireName(of: delivery) == type)
                && (ids.isEmpty || ids.contains(delivery.properties.messageID ?? ""))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of the messages waiting in kvitt.unrouted.")
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await UnroutedOperations.connect(broker)
                let messages = try await operations.list(limit: selection.limit).filter(selection.matches)
                print(
                    CLI.table(
                        ["ID", "TYPE", "APP", "TIMESTAMP", "BYTES", "REPUBLISHED"],
                        messages.map {
                            [
                                $0.properties.messageID ?? "-", UnroutedOperations.wireName(of: $0),
                                $0.properties.appID ?? "-",
                                $0.properties.timestamp.map { $0.ISO8601Format() } ?? "-", "\($0.body.count)",
                                $0.properties.headers[UnroutedOperations.republishedAtHeader]?.stringValue ?? "-",
                            ]
                        }
                    )
                )
                print("\(messages.count) unrouted message(s) in \(operations.queue)")
                await operations.stop()
            }
        }
    }

    struct Republish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Publish the selected messages to the exchange again with their routing keys, once a queue is bound.",
            discussion:
                "Each message is removed from kvitt.unrouted only after the broker confirmed its copy. A type still bound to no queue goes back to kvitt.unrouted (and is counted as still unroutable)."
        )
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Flag(help: "Republish every message (with --type/--id: every selected one).") var all = false

        func validate() throws {
            guard all || selection.type != nil || !selection.ids.isEmpty else {
                throw ValidationError("give --all, --type TYPE or --id ID")
            }
        }

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await UnroutedOperations.connect(broker)
                let outcome = try await operations.republish(limit: selection.limit, where: selection.matches)
                for (id, error) in outcome.failed { print("could not republish \(id): \(error)") }
                for (id, problem) in outcome.stillParked { print("republished \(id), but \(problem)") }
                print(
                    "republished \(outcome.delivered.count + outcome.stillUnroutable.count): delivered \(outcome.delivered.count), still unroutable \(outcome.stillUnroutable.count) (back in \(operations.queue)), failed \(outcome.failed.count)"
                )
                await operations.stop()
                if !outcome.failed.isEmpty || !outcome.stillParked.isEmpty { throw ExitCode(1) }
            }
        }
    }
}

/// Reads and re-publishes the unrouted queue without losing anything: messages are taken with `basic.get`,
/// unacknowledged, and returned unless their copy was confirmed (``OperatorQueue``).
struct UnroutedOperations: Sendable {
    let client: AMQPClient
    let publisher: AMQPPublisher
    let exchange: String
    var queue: String { SystemTopology.unroutedExchange(of: exchange) }
    private var unrouted: OperatorQueue { OperatorQueue(client: client, name: queue) }

    /// Called after the copies are confirmed and before the originals are acknowledged (tests cut the connection
    /// here).
    var beforeSettling: @Sendable () async -> Void = {}
    /// How long looking again after a lost connection may wait for the broker before the originals are reported as
    /// possibly still in the queue.
    var recheckTimeout: Duration = .seconds(15)

    /// Set on a re-published copy: when it went back to the unrouted queue, this run finds it there by this value.
    static let republishedAtHeader = "x-kvitt-republished-at"
    static let republishRunHeader = "x-kvitt-republish-run"
    /// How many messages a republish looks through afterwards for its own copies that found no queue.
    static let scanLimit = 100_000

    static func connect(_ broker: BrokerOptions) async throws -> UnroutedOperations {
        let (client, publisher) = try await broker.connect()
        let operations = UnroutedOperations(client: client, publisher: publisher, exchange: try broker.exchange)
        let queue = operations.queue
        let exists = try await client.perform { session throws(AMQPError) in
            try TolerantDeclaration.messageCount(of: queue, on: session) != nil
        }
        guard exists else {
            await operations.stop()
            throw CLIError("no queue '\(queue)' on the broker (kvitt topology declare creates it)")
        }
        return operations
    }

    func stop() async {
        await client.stop()
        await publisher.stop()
    }

    /// The wire name: the routing key it was published with (the alternate exchange keeps it).
    static func wireName(of delivery: AMQPDelivery) -> String {
        delivery.routingKey.isEmpty ? delivery.properties.type ?? "-" : delivery.routingKey
    }

    /// Up to `limit` messages, oldest first; the queue is left as it was.
    func list(limit: Int) async throws -> [AMQPDelivery] {
        try await unrouted.look(limit: limit)
    }

    struct Outcome: Sendable {
        /// Message ids whose copies reached a queue.
        var delivered: [String] = []
        /// Message ids whose copies found no queue again and are back in the unrouted queue.
        var stillUnroutable: [String] = []
        /// Not republished; the original stays.
        var failed: [(String, String)] = []
        /// Republished, but the original could not be shown removed (the connection was lost, and looking again
        /// failed too), with why. Republishing it again delivers the same message id twice, which Kvitt's inboxes
        /// skip.
        var stillParked: [(String, String)] = []
    }

    /// What tells an original from this run's copy of it that found no queue again (the same message id, marked
    /// with the run) and from an earlier republish's copy.
    struct Identity: Hashable, Sendable {
        let id: String?
        let run: String?
    }

    static func identity(of delivery: AMQPDelivery) -> Identity {
        Identity(
            id: delivery.properties.messageID,
            run: delivery.properties.headers[republishRunHeader]?.stringValue
        )
    }

    /// Re-publishes the selected messages among the first `limit` to the exchange with their routing keys, and
    /// acknowledges each original after its copy was confirmed. Only messages present when it starts are taken, so
    /// a copy that goes back to the queue is never taken again by the same run.
    func republish(limit: Int, where selected: @Sendable (AMQPDelivery) -> Bool) async throws -> Outcome {
        let run = RandomIdentifier.make()
        let taken = try await unrouted.take(limit: min(limit, try await unrouted.count()))
        let chosen = taken.filter(selected)
        let now = Date().ISO8601Format()
        let copies = chosen.map { delivery in
            var properties = ForwardedProperties.forwarded(from: delivery.properties)
            properties.headers[Self.republishedAtHeader] = .string(now)
            properties.headers[Self.republishRunHeader] = .string(run)
            return AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: Self.wireName(of: delivery),
                properties: properties,
                body: delivery.body
            )
        }
        var outcome = Outcome()
        var confirmed: [AMQPDelivery] = []
        for (delivery, result) in zip(chosen, await publisher.publish(batch: copies)) {
            switch result {
            case .success: confirmed.append(delivery)
            case .failure(let error): outcome.failed.append((delivery.properties.messageID ?? "-", "\(error)"))
            }
        }
        await beforeSettling()
        if let problem = await unrouted.settle(
            taken: taken,
            acking: confirmed,
            identity: Self.identity(of:),
            timeout: recheckTimeout
        ) {
            outcome.stillParked = confirmed.map { ($0.properties.messageID ?? "-", problem) }
            return outcome
        }
        // Copies that found no queue again came back to the end of the queue, marked with this run.
        let returned = try await unrouted.look(limit: Self.scanLimit)
            .filter { $0.properties.headers[Self.republishRunHeader]?.stringValue == run }
            .compactMap(\.properties.messageID)
        var remaining = Set(returned)
        for delivery in confirmed {
            let id = delivery.properties.messageID ?? "-"
            if remaining.remove(id) != nil {
                outcome.stillUnroutable.append(id)
            } else {
                outcome.delivered.append(id)
            }
        }
        return outcome
    }
}
