import Foundation
import KvittMessaging

/// The payment-matching service: payments from bankgiro files, Swish, cards and operators, matched to invoices.
@main
enum PaymentMatchingService {
    static let definition = makeDefinition()

    /// The service.
    /// - Parameters:
    ///   - allowTestBankFiles: overrides `ALLOW_TEST_BANK_FILES` and the production check (tests).
    ///   - askedForTestBankFiles: `ALLOW_TEST_BANK_FILES`, honoured outside production only.
    static func makeDefinition(allowTestBankFiles: Bool? = nil, askedForTestBankFiles: Bool = false)
        -> ServiceDefinition
    {
        ServiceDefinition(
            name: "payment-matching",
            defaultHTTPPort: 8082,
            migrations: { PaymentMatchingSchema.register(&$0) },
            handlers: { registry, context in
                registerHandlers(
                    &registry,
                    maximumBankFileBytes: context.settings.maximumBankFileBytes,
                    allowTestBankFiles: allowTestBankFiles
                        ?? testBankFilesAllowed(context, asked: askedForTestBankFiles)
                )
            },
            routes: { router, context in PaymentMatchingRoutes.add(to: router, context: context) },
            ownSettings: [.allowTestBankFiles]
        )
    }

    /// `ALLOW_TEST_BANK_FILES=true` books BgMax files marked `T` (test), for demos; production never does.
    static func testBankFilesAllowed(_ context: ServiceContext, asked: Bool) -> Bool {
        guard asked else { return false }
        guard context.settings.environment != .production else {
            context.logger.warning("ALLOW_TEST_BANK_FILES=true is ignored in production: test files are refused")
            return false
        }
        context.logger.notice("ALLOW_TEST_BANK_FILES=true: BgMax test files are booked as real payments")
        return true
    }

    /// The one list of what payment-matching consumes.
    /// - Parameters:
    ///   - maximumBankFileBytes: a BgMax file larger than this is parked as `too-large` before it is parsed.
    ///   - allowTestBankFiles: whether a BgMax file marked `T` (test) is booked rather than refused.
    static func registerHandlers(
        _ registry: inout HandlerRegistry,
        maximumBankFileBytes: Int = ServiceSettings.defaultMaximumBankFileBytes,
        allowTestBankFiles: Bool = false
    ) {
        registry.register(InvoiceIssuedHandler())
        registry.register(InvoiceCreditedHandler())
        registry.register(CreditAppliedHandler())
        registry.register(FeesChargedHandler())
        registry.register(RegisterPaymentHandler())
        registry.register(
            ImportBankgiroFileHandler(maximumBytes: maximumBankFileBytes, allowsTestFiles: allowTestBankFiles)
        )
        registry.register(LinkPaymentHandler())
        registry.register(RemovePaymentHandler())
    }

    static func main() async throws {
        ServiceCommandLine.handle(definition)
        let configuration = KvittServiceHost.loadConfiguration(definition)
        let asked = KvittServiceHost.settingOrExit("payment-matching") { try configuration.isTrue(.allowTestBankFiles) }
        try await KvittServiceHost.run(makeDefinition(askedForTestBankFiles: asked), configuration: configuration)
    }
}

extension Setting {
    /// Whether payment-matching books BgMax files marked as test files.
    static let allowTestBankFiles = Setting(
        "ALLOW_TEST_BANK_FILES",
        "false",
        "true books BgMax files marked T (test) as real payments, for demos; ignored in production"
    )
}
