import KvittContracts
import KvittMessaging

/// Sets some or all of a creditor's prices, from now on; the acts before keep the prices they were charged at.
struct SetCreditorPricesHandler: MessageHandler {
    func handle(_ command: SetCreditorPrices, context: HandlerContext) throws {
        let known = try CreditorRecord.exists(context.db, key: command.creditorID)
        let errors = PriceList.errors(command, creditorKnown: known)
        guard errors.isEmpty else { return try context.reject(errors) }
        // Valid: every service is known and given once, every price in SEK.
        let prices = command.prices.compactMap { entry in
            ChargeableService(rawValue: entry.service).map { (service: $0, price: entry.price.amount) }
        }
        try PriceStore.set(
            prices,
            creditorID: command.creditorID,
            at: context.now,
            messageID: context.envelope.messageID,
            context.db
        )
        let ordered = ChargeableService.allCases.compactMap { service in
            prices.first { $0.service == service }.map {
                CreditorPricesSet.Price(service: service, price: Money(minorUnits: $0.price, PriceList.currency))
            }
        }
        try context.publish(CreditorPricesSet(creditorID: command.creditorID, prices: ordered))
    }
}
