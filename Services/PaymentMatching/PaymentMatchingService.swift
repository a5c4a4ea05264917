import KvittMessaging

/// The payment-matching service: payments from bankgiro files, Swish, cards and operators, matched to invoices.
@main
enum PaymentMatchingService {
    static let definition = ServiceDefinition(
        name: "payment-matching",
        defaultHTTPPort: 8082,
        migrations: { PaymentMatchingSchema.register(&$0) },
        handlers: { registry, context in
            registerHandlers(&registry, maximumBankFileBytes: context.settings.maximumBankFileBytes)
        },
        routes: { router, context in PaymentMatchingRoutes.add(to: router, context: context) }
    )

    /// The one list of what payment-matching consumes.
    /// - Parameter maximumBankFileBytes: a BgMax file larger than this is parked as `too-large` before it is parsed.
    static func registerHandlers(
        _ registry: inout HandlerRegistry,
        maximumBankFileBytes: Int = ServiceSettings.defaultMaximumBankFileBytes
    ) {
        registry.register(InvoiceIssuedHandler())
        registry.register(InvoiceCreditedHandler())
        registry.register(CreditAppliedHandler())
        registry.register(FeesChargedHandler())
        registry.register(RegisterPaymentHandler())
        registry.register(ImportBankgiroFileHandler(maximumBytes: maximumBankFileBytes))
        registry.register(LinkPaymentHandler())
        registry.register(RemovePaymentHandler())
    }

    static func main() async throws {
        try await KvittServiceHost.run(definition)
    }
}
