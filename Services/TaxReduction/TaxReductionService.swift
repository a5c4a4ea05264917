import KvittMessaging

/// The tax-reduction service: ROT/RUT allocation per buyer within the annual caps, and Skatteverket claim files.
@main
enum TaxReductionService {
    static let definition = ServiceDefinition(
        name: "tax-reduction",
        defaultHTTPPort: 8084,
        migrations: { TaxReductionSchema.register(&$0) },
        handlers: { registry, _ in registerHandlers(&registry) },
        routes: { router, context in TaxReductionRoutes.add(to: router, context: context) }
    )

    /// The one list of what tax-reduction consumes.
    static func registerHandlers(_ registry: inout HandlerRegistry) {
        registry.register(CreditorRegisteredHandler())
        registry.register(InvoiceCreatedHandler())
        registry.register(InvoiceIssuedHandler())
        registry.register(InvoicePaidHandler())
        registry.register(InvoicePartiallyPaidHandler())
        registry.register(InvoiceCreditedHandler())
        registry.register(GenerateClaimFileHandler())
        registry.register(RecordDecisionHandler())
    }

    static func main() async throws {
        try await KvittServiceHost.run(definition)
    }
}
