import Foundation
import KvittContracts
import KvittMessaging

/// The delivery service: makes the invoices and letters that other services' events decide, renders them to PDF
/// and delivers them by the debtor's channel, exactly once per document and channel.
@main
enum DeliveryService {
    static func definition(settings: DeliverySettings) -> ServiceDefinition {
        ServiceDefinition(
            name: name,
            defaultHTTPPort: defaultHTTPPort,
            migrations: { DeliverySchema.register(&$0) },
            handlers: { registry, _ in registerHandlers(&registry) },
            services: { context in
                [
                    DeliveryWorker(
                        store: context.store,
                        clock: context.clock,
                        settings: settings,
                        serviceName: context.settings.serviceName,
                        logger: context.logger,
                        outboxCommitted: context.outboxCommitted
                    ),
                    PrintBatchService(
                        batcher: PrintBatcher(printDirectory: settings.printDirectory),
                        clock: context.clock,
                        logger: context.logger
                    ),
                ]
            },
            ownSettings: DeliverySettings.all
        )
    }

    static let name = "delivery"
    static let defaultHTTPPort = 8085

    /// The one list of what delivery consumes.
    static func registerHandlers(_ registry: inout HandlerRegistry) {
        registry.register(CreditorRegisteredHandler())
        registry.register(InvoiceCreatedHandler())
        registry.register(InvoiceIssuedHandler())
        registry.register(DebtorContactChangedHandler())
        registry.register(FeesChargedHandler())
        registry.register(CollectionLetterHandler<CollectionSteps.Reminder>())
        registry.register(CollectionLetterHandler<CollectionSteps.CollectionLetter>())
        registry.register(CollectionLetterHandler<CollectionSteps.SurveillanceLetter>())
        registry.register(CollectionLetterHandler<CollectionSteps.Application>())
    }

    static func main() async throws {
        // `delivery print-batch [YYYY-MM-DD]`: the operator's command, run instead of the service.
        let arguments = Array(CommandLine.arguments.dropFirst())
        let isPrintBatch = arguments.first == PrintBatchCommand.name
        // --help and --version answer before any setting is read.
        if !isPrintBatch {
            ServiceCommandLine.handle(
                name: name,
                defaultHTTPPort: defaultHTTPPort,
                ownSettings: DeliverySettings.all,
                arguments: arguments
            )
        }
        let configuration = KvittServiceHost.loadConfiguration(
            name: name,
            settings: ServiceSettings.documented(serviceName: name, defaultHTTPPort: defaultHTTPPort)
                + DeliverySettings.all
        )
        let settings = KvittServiceHost.settingOrExit("delivery") { try DeliverySettings(configuration: configuration) }
        if isPrintBatch {
            exit(
                await PrintBatchCommand.run(
                    arguments: Array(arguments.dropFirst()),
                    settings: settings,
                    today: CalendarDate.today(at: Date())
                )
            )
        }
        try await KvittServiceHost.run(definition(settings: settings), configuration: configuration)
    }
}
