import KvittContracts

/// The platform's price list: the default price of every chargeable service (the one table of them), the limits a
/// creditor's own price must keep, and the check of `invoicing.set-creditor-prices.v1`.
enum PriceList {
    /// Every price is in Swedish kronor: the platform bills its creditors in SEK whatever their invoices' currency.
    static let currency = Currency.sek

    /// The highest price per act a creditor can be given: 10 000 kr. Far above any real add-on price, so a typo of a
    /// few zeros is refused instead of billed, and a month's sum of fees stays far inside 64 bits.
    static let maximumPrice: Int64 = 1_000_000

    /// The default price of each service in öre, used until a creditor is given a price of its own: the platform's
    /// list prices (a business decision, not a rule of law; docs/prices.md). Surveillance is 99 kr per quarter and
    /// case, the figure debt-collection charged on its own before the price list existed.
    static func defaultPrice(_ service: ChargeableService) -> Int64 {
        switch service {
        case .invoice: 300
        case .invoiceByPost: 1_500
        case .invoiceByEmail: 100
        case .invoiceByEInvoice: 200
        case .letterByPost: 1_500
        case .reminder: 1_000
        case .collectionLetter: 4_500
        case .installmentPlan: 2_500
        case .enforcementApplication: 9_500
        case .surveillanceQuarter: 9_900
        case .claimFile: 2_500
        }
    }

    /// The field errors of a set-prices command (empty when it is valid); `creditorKnown` says whether the creditor
    /// is registered.
    static func errors(_ command: SetCreditorPrices, creditorKnown: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        if !creditorKnown {
            errors.append(FieldError("creditorID", "no creditor with this id is registered"))
        }
        // Each service at most once, so a longer list is refused whole rather than with an error per entry.
        guard (1...ChargeableService.allCases.count).contains(command.prices.count) else {
            return errors + [
                FieldError("prices", "must name 1 to \(ChargeableService.allCases.count) services, each once")
            ]
        }
        var seen: Set<ChargeableService> = []
        for (index, entry) in command.prices.enumerated() {
            let field = "prices[\(index)]"
            if let service = ChargeableService(rawValue: entry.service) {
                if !seen.insert(service).inserted {
                    errors.append(FieldError("\(field).service", "\(service.rawValue) is given more than once"))
                }
            } else {
                let known = ChargeableService.allCases.map(\.rawValue).joined(separator: ", ")
                errors.append(FieldError("\(field).service", "unknown service; known: \(known)"))
            }
            if entry.price.currency != currency {
                errors.append(
                    FieldError("\(field).price.currency", "prices are in \(currency.code), got \(entry.price.currency)")
                )
            }
            if entry.price.amount < 0 {
                errors.append(FieldError("\(field).price.amount", "must not be negative"))
            } else if entry.price.amount > maximumPrice {
                errors.append(
                    FieldError(
                        "\(field).price.amount",
                        "at most \(Money(minorUnits: maximumPrice, currency)) per act, got \(entry.price.amount) öre"
                    )
                )
            }
        }
        return errors
    }
}
