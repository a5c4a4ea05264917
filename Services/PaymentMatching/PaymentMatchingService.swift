import KvittMessaging

/// The payment-matching service: payments from bankgiro files, Swish, cards and operators, matched to invoices.
@main
enum PaymentMatchingService {
    static let definition = ServiceDefinition(
        name: "payment-matching",
        defaultHTTPPort: 8082,
        migrations: { PaymentMatchingSchema.register(&$0) },
        handlers: { registry, _ in registerHandlers(&registry) },
        routes: { router, context in PaymentMatchingRoutes.add(to: router, context: context) }
    )

    /// The one list of what payment-matching consumes.
    static func registerHandlers(_ registry: inout HandlerRegistry) {
        registry.register(InvoiceIssuedHandler())
        registry.register(InvoiceCreditedHandler())
        registry.register(CreditAppliedHandler())
        registry.register(FeesChargedHandler())
        registry.register(RegisterPaymentHandler())
        registry.register(ImportBankgiroFileHandler())
        registry.register(LinkPaymentHandler())
        registry.register(RemovePaymentHandler())
    }

    static func main() async throws {
        try await KvittServiceHost.run(definition)
    }
}
