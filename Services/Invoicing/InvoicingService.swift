import KvittContracts
import KvittMessaging

/// The invoicing service: creditors, debit and credit invoices, OCR references, ROT/RUT drafts, documents.
@main
enum InvoicingService {
    static let definition = ServiceDefinition(
        name: "invoicing",
        defaultHTTPPort: 8081,
        migrations: { InvoicingSchema.register(&$0) },
        handlers: { registry, _ in registerHandlers(&registry) },
        routes: { router, context in InvoicingRoutes.add(to: router, context: context) }
    )

    /// The one list of what invoicing consumes.
    static func registerHandlers(_ registry: inout HandlerRegistry) {
        registry.register(RegisterCreditorHandler())
        registry.register(CreateInvoiceHandler())
        registry.register(AttestInvoiceHandler())
        registry.register(ChangeDueDateHandler())
        registry.register(ChangeDebtorContactHandler())
        registry.register(DeliveryFailedHandler())
        registry.register(CreateCreditInvoiceHandler())
        registry.register(ApplyCreditHandler())
        registry.register(ReductionAllocatedHandler())
        registry.register(ReductionRejectedHandler())
        registry.register(PaymentMatchedHandler())
        registry.register(PaymentAllocationReleasedHandler())
        registry.register(FeesChargedHandler())
        registry.register(ClaimDecidedHandler())
        registry.register(ReductionAdjustedHandler())
        registry.register(SetCreditorPricesHandler())
        // Chargeable acts of the other services, each charged once at the creditor's price (PlatformFees).
        registry.register(CollectionStepFeeHandler<CollectionSteps.Reminder>(service: .reminder))
        registry.register(CollectionStepFeeHandler<CollectionSteps.CollectionLetter>(service: .collectionLetter))
        registry.register(CollectionStepFeeHandler<CollectionSteps.Plan>(service: .installmentPlan))
        registry.register(CollectionStepFeeHandler<CollectionSteps.Application>(service: .enforcementApplication))
        registry.register(CollectionStepFeeHandler<CollectionSteps.SurveillanceLetter>(service: .surveillanceQuarter))
        registry.register(ClaimFileFeeHandler())
        registry.register(DocumentDeliveredFeeHandler())
    }

    static func main() async throws {
        try await KvittServiceHost.run(definition)
    }
}
