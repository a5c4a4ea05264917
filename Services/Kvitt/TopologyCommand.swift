import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// `kvitt topology …`: the broker topology derived from the message catalogue (`MessageCatalogue`), the one list of
/// who consumes what.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Broker topology.",
        subcommands: [Declare.self, Show.self]
    )

    /// Settings that shape the queues, as the services read them.
    struct SystemOptions: ParsableArguments {
        @Option(help: "Retry delays the services use (default: RETRY_DELAYS, else 1s,10s,60s).")
        var retryDelays: String?
        @Option(help: "The dead-letter exchange (default: AMQP_DEAD_LETTER_EXCHANGE, else kvitt.dead-letter).")
        var deadLetterExchange: String?
        @Option(
            help:
                "Redeliveries before the broker parks a crash-looping message (default: AMQP_DELIVERY_LIMIT, else 20)."
        )
        var deliveryLimit: Int?
        @Option(
            help:
                "Appended to every service's queue names: empty, or -EXCHANGE for a second Kvitt system on the same broker."
        )
        var queueSuffix = ""

        func validate() throws {
            let limits = ServiceSettings.deliveryLimits
            if let deliveryLimit, !limits.contains(deliveryLimit) {
                throw ValidationError("--delivery-limit must be from \(limits.lowerBound) to \(limits.upperBound)")
            }
        }

        func system(exchange: String) throws -> SystemTopology {
            let configuration = try CLISettings.configuration()
            return SystemTopology(
                exchange: exchange,
                deadLetterExchange: deadLetterExchange ?? configuration.text(.amqpDeadLetterExchange),
                retryPolicy: try CLISettings.retryPolicy(retryDelays),
                deliveryLimit: try deliveryLimit
                    ?? configuration.int(.amqpDeliveryLimit, in: ServiceSettings.deliveryLimits),
                queueSuffix: queueSuffix
            )
        }
    }

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Declare the exchanges, kvitt.unrouted, and every service's queues (work, retry, dead-letter) and bindings from the catalogue.",
            discussion:
                "Run it (as a user allowed to declare every queue) before the services start: upstream systems can then publish ahead of a deployment and the broker keeps each message in its consumers' queues. Exits 1 when the broker refused something (a queue that exists with other arguments, missing rights)."
        )
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var options: SystemOptions

        func run() async throws {
            try await CLI.reportingErrors {
                let system = try options.system(exchange: try broker.exchange)
                let (client, publisher) = try await broker.connect()
                await publisher.stop()
                var refused: [String] = []
                let shared = system.sharedTopology
                refused += try await client.perform { session throws(AMQPError) in
                    try TolerantDeclaration.declare(shared, on: session)
                }
                print(
                    "shared: exchanges \(shared.exchanges.map(\.name).joined(separator: ", ")); queue \(system.unroutedExchange)"
                )
                for (service, declaration) in system.everything {
                    let refusals = try await client.perform { session throws(AMQPError) in
                        try TolerantDeclaration.declare(declaration, on: session)
                    }
                    refused += refusals
                    print(
                        "\(system.queueName(of: service)): \(declaration.queues.count) queues, \(declaration.bindings.count) bindings"
                            + (refusals.isEmpty ? "" : ", \(refusals.count) refused")
                    )
                }
                await client.stop()
                for refusal in refused { print("refused: \(refusal)") }
                print(
                    "events no queue is bound to reach \(system.unroutedExchange) only while a policy makes it the alternate exchange of \(system.exchange) (docs/topology.md)"
                )
                if !refused.isEmpty { throw ExitCode(1) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Who consumes what, from the catalogue: each service's bindings, and the types no service consumes."
        )
        @Flag(help: "JSON ({service: [wire names]}) instead of text.") var json = false

        func run() async throws {
            if json {
                var object: [String: [String]] = [:]
                for service in KvittService.allCases {
                    object[service.rawValue] = service.consumedTypes.map(\.rawValue)
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            for service in KvittService.allCases.sorted() {
                print("\(service):")
                for type in service.consumedTypes { print("  \(type)") }
            }
            let unconsumed = MessageCatalogue.entries.filter(\.consumers.isEmpty).map(\.messageType).sorted()
            print("no Kvitt consumer (kvitt.unrouted unless an outside subscriber binds them):")
            for type in unconsumed { print("  \(type)") }
        }
    }
}
