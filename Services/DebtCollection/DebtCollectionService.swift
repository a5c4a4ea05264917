import Foundation
import KvittContracts
import KvittMessaging

/// The debt-collection service: reminders, collection letters, creditor decisions, Kronofogden applications,
/// installment plans, postponements and long-term surveillance, from a schedule stored in SQLite.
@main
enum DebtCollectionService {
    /// The reference-rate table: `REFERENCE_RATES_FILE` (the text format of `config/reference-rates.txt`) replaces
    /// the built-in table, and `REFERENCE_RATES` adds or replaces half-years on top, as `2026-07-01:200,2027-01-01:225`
    /// (first day of the half-year, basis points). Both are parsed strictly: a line or entry that cannot be used is
    /// an error naming it, never skipped, because a skipped rate makes interest wrong for half a year.
    static func rates(configuration: KvittConfiguration) throws(ServiceSettings.InvalidSetting) -> ReferenceRateTable {
        var table = ReferenceRateTable.riksbank
        if let path = configuration.optionalText(.referenceRatesFile) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .init(
                    variable: "REFERENCE_RATES_FILE",
                    problem: "cannot read \(path): \(error.localizedDescription)"
                )
            }
            do {
                table = try ReferenceRateTable(parsing: text)
            } catch {
                throw .init(variable: "REFERENCE_RATES_FILE", problem: "\(path) \(error)")
            }
        }
        guard let extra = configuration.optionalText(.referenceRates) else { return table }
        var entries = table.entries
        for pair in extra.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let date = CalendarDate(String(parts[0])), let points = Int(parts[1]),
                ReferenceRateTable.allowedBasisPoints.contains(points)
            else {
                throw .init(
                    variable: "REFERENCE_RATES",
                    problem: "'\(pair)' is not DATE:BASIS_POINTS like 2026-07-01:200 (basis points within "
                        + "\(ReferenceRateTable.allowedBasisPoints))"
                )
            }
            entries.removeAll { $0.from == date }
            entries.append(.init(from: date, basisPoints: points))
        }
        do {
            return try ReferenceRateTable(entries)
        } catch {
            throw .init(variable: "REFERENCE_RATES", problem: error.description)
        }
    }

    /// ``rates(configuration:)`` from variables alone (tests).
    static func rates(environment: [String: String]) throws(ServiceSettings.InvalidSetting) -> ReferenceRateTable {
        try rates(configuration: KvittConfiguration(environment: environment))
    }

    static func definition(rates: ReferenceRateTable = .riksbank, schedulerInterval: Duration = .seconds(1))
        -> ServiceDefinition
    {
        ServiceDefinition(
            name: "debt-collection",
            defaultHTTPPort: 8083,
            migrations: { DebtCollectionSchema.register(&$0) },
            handlers: { registry, _ in registerHandlers(&registry, rates: rates) },
            routes: { router, context in CaseRoutes.add(to: router, context: context) },
            services: { context in
                [
                    CollectionScheduler(
                        store: context.store,
                        clock: context.clock,
                        rates: rates,
                        logger: context.logger,
                        outboxCommitted: context.outboxCommitted,
                        interval: schedulerInterval
                    )
                ]
            },
            attention: { context in [CollectionScheduler.heldCasesAttention(context.store)] },
            ownSettings: ownSettings
        )
    }

    /// Debt-collection's own settings, for `--help`.
    static let ownSettings: [Setting] = [.referenceRatesFile, .referenceRates]

    /// The one list of what debt-collection consumes.
    static func registerHandlers(_ registry: inout HandlerRegistry, rates: ReferenceRateTable) {
        registry.register(CreditorRegisteredHandler())
        registry.register(InvoiceIssuedHandler(rates: rates))
        registry.register(BalanceHandlers.Paid(rates: rates))
        registry.register(BalanceHandlers.Released(rates: rates))
        registry.register(BalanceHandlers.Credited(rates: rates))
        registry.register(BalanceHandlers.CreditUsed(rates: rates))
        registry.register(CaseCommandHandlers.Send(rates: rates))
        registry.register(CaseCommandHandlers.Recall(rates: rates))
        registry.register(CaseCommandHandlers.Plan(rates: rates))
        registry.register(CaseCommandHandlers.Postpone(rates: rates))
        registry.register(CaseCommandHandlers.Decide(rates: rates))
        registry.register(CaseCommandHandlers.Surveil(rates: rates))
        registry.register(DeliveryReportHandlers.Handler<DocumentDelivered>())
        registry.register(DeliveryReportHandlers.Handler<DeliveryFailed>())
    }

    static func main() async throws {
        // --help and --version answer before the rate table is read: asking how to configure it needs no valid one.
        ServiceCommandLine.handle(definition())
        let configuration = KvittServiceHost.loadConfiguration(definition())
        let table = KvittServiceHost.settingOrExit("debt-collection") { try rates(configuration: configuration) }
        try await KvittServiceHost.run(definition(rates: table), configuration: configuration)
    }
}

extension Setting {
    /// Debt-collection's reference-rate table from a file.
    static let referenceRatesFile = Setting(
        "REFERENCE_RATES_FILE",
        "",
        "the reference-rate table (the format of config/reference-rates.txt) instead of the built-in one"
    )
    /// Half-years added to the reference-rate table.
    static let referenceRates = Setting(
        "REFERENCE_RATES",
        "",
        "half-years added on top, as 2026-07-01:200,2027-01-01:225 (basis points)"
    )
}
