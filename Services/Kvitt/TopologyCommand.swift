import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// `kvitt topology declare`: declares every service's exchanges, queues and bindings before the services run, so
/// that upstream systems can publish (and the broker keeps the messages) ahead of a deployment.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Broker topology.",
        subcommands: [Declare.self]
    )

    /// What each service consumes. The services derive the same list from their handler registries at start; a test
    /// keeps the two in step.
    static let consumedTypes: [String: [MessageType]] = [
        "invoicing": [
            RegisterCreditor.messageType, CreateInvoice.messageType, AttestInvoice.messageType,
            ChangeDueDate.messageType,
            CreateCreditInvoice.messageType, ApplyCredit.messageType, ReductionAllocated.messageType,
            ReductionRejected.messageType, PaymentMatched.messageType, FeesCharged.messageType,
            ClaimDecided.messageType, PaymentAllocationReleased.messageType,
        ],
        "payment-matching": [
            InvoiceIssued.messageType, InvoiceCredited.messageType, CreditApplied.messageType, FeesCharged.messageType,
            RegisterPayment.messageType, ImportBankgiroFile.messageType, LinkPayment.messageType,
            RemovePayment.messageType,
        ],
        "debt-collection": [
            CreditorRegistered.messageType, InvoiceIssued.messageType, PaymentMatched.messageType,
            PaymentAllocationReleased.messageType,
            InvoiceCredited.messageType, CreditApplied.messageType, SendToCollection.messageType,
            RecallCollection.messageType, CreateInstallmentPlan.messageType, PostponeNextEvent.messageType,
            DecideEnforcement.messageType, StartLongTermSurveillance.messageType,
        ],
        "tax-reduction": [
            CreditorRegistered.messageType, InvoiceCreated.messageType, InvoiceIssued.messageType,
            InvoicePaid.messageType, InvoiceCredited.messageType, GenerateClaimFile.messageType,
            RecordDecision.messageType,
        ],
    ]

    /// Every service's topology as the host would declare it.
    static func topologies(
        retryPolicy: RetryPolicy,
        exchange: String,
        deadLetterExchange: String,
        deliveryLimit: Int = 20
    ) -> [ServiceTopology] {
        consumedTypes.keys.sorted().map { service in
            ServiceTopology(
                serviceName: service,
                messageTypes: consumedTypes[service]!.sorted(),
                retryPolicy: retryPolicy,
                exchange: exchange,
                deadLetterExchange: deadLetterExchange,
                deliveryLimit: deliveryLimit
            )
        }
    }

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the exchanges, every service's queues (work, retry, dead-letter) and bindings."
        )
        @OptionGroup var broker: BrokerOptions
        @Option(help: "Retry delays the services use.")
        var retryDelays = ProcessInfo.processInfo.environment["RETRY_DELAYS"] ?? "1s,10s,60s"
        @Option(help: "The dead-letter exchange.")
        var deadLetterExchange = ProcessInfo.processInfo.environment["AMQP_DEAD_LETTER_EXCHANGE"] ?? "kvitt.dead-letter"
        @Option(
            help: "Redeliveries before the broker parks a crash-looping message (as the services' AMQP_DELIVERY_LIMIT)."
        )
        var deliveryLimit = Int(ProcessInfo.processInfo.environment["AMQP_DELIVERY_LIMIT"] ?? "") ?? 20

        func run() async throws {
            try await CLI.reportingErrors {
                guard let policy = RetryPolicy(parsing: retryDelays) else {
                    throw CLIError("--retry-delays is not a list like 1s,10s")
                }
                let (client, publisher) = try await broker.connect()
                for topology in TopologyCommand.topologies(
                    retryPolicy: policy,
                    exchange: broker.exchange,
                    deadLetterExchange: deadLetterExchange,
                    deliveryLimit: deliveryLimit
                ) {
                    let declaration = topology.amqpTopology
                    do {
                        try await client.perform { session in try session.declare(declaration) }
                    } catch {
                        throw CLIError("declaring \(topology.serviceName): \(error)")
                    }
                    print(
                        "\(topology.serviceName): \(declaration.queues.count) queues, \(declaration.bindings.count) bindings"
                    )
                }
                await client.stop()
                await publisher.stop()
            }
        }
    }
}
