import Foundation
import KvittContracts
import KvittMessaging

/// The debt-collection service: reminders, collection letters, creditor decisions, Kronofogden applications,
/// installment plans, postponements and long-term surveillance, from a schedule stored in SQLite.
@main
enum DebtCollectionService {
    /// `REFERENCE_RATES` adds Riksbank reference rates beyond the built-in table: `2026-07-01:200,2027-01-01:225`
    /// (dates of 1 January or 1 July, basis points).
    static func rates(environment: [String: String] = ProcessInfo.processInfo.environment) -> ReferenceRateTable {
        var entries = ReferenceRateTable.riksbank.entries
        for pair in (environment["REFERENCE_RATES"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let date = CalendarDate(String(parts[0])), let points = Int(parts[1]),
                ReferenceRateTable.allowedBasisPoints.contains(points)
            else { continue }
            entries.removeAll { $0.from == date }
            entries.append(.init(from: date, basisPoints: points))
        }
        return (try? ReferenceRateTable(entries)) ?? .riksbank
    }

    static func definition(rates: ReferenceRateTable = rates(), schedulerInterval: Duration = .seconds(1))
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
            }
        )
    }

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
    }

    static func main() async throws {
        try await KvittServiceHost.run(definition())
    }
}
