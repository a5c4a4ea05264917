/// An add-on service a creditor pays the platform for, one act at a time: what a price-list entry prices and what a
/// platform fee charges. Each case names the event that marks the act (see `Services/Invoicing/README.md`).
public enum ChargeableService: String, Codable, Sendable, CaseIterable {
    /// A debit invoice issued (`invoicing.invoice-issued.v1`): numbering, OCR, payment matching, the ledger.
    case invoice
    /// An invoice or credit invoice delivered as a printed letter (`delivery.document-delivered.v1`, channel `print`).
    case invoiceByPost = "invoice-by-post"
    /// An invoice or credit invoice delivered by e-mail (`delivery.document-delivered.v1`, channel `email`).
    case invoiceByEmail = "invoice-by-email"
    /// An invoice or credit invoice delivered as a Peppol e-invoice (`delivery.document-delivered.v1`, channel
    /// `peppol`).
    case invoiceByEInvoice = "invoice-by-e-invoice"
    /// Any other document (reminder, collection letter, renewed demand, application summary) delivered as a printed
    /// letter: the postage; by e-mail it is part of its step's price.
    case letterByPost = "letter-by-post"
    /// A payment reminder (påminnelse) sent (`debt-collection.reminder-sent.v1`).
    case reminder
    /// A collection letter (inkassokrav) sent (`debt-collection.collection-letter-sent.v1`).
    case collectionLetter = "collection-letter"
    /// An installment plan agreed (`debt-collection.installment-plan-created.v1`).
    case installmentPlan = "installment-plan"
    /// An application to Kronofogden prepared (`debt-collection.enforcement-application-prepared.v1`).
    case enforcementApplication = "enforcement-application"
    /// A quarter of long-term surveillance begun: its renewed demand went out
    /// (`debt-collection.surveillance-letter-sent.v1`).
    case surveillanceQuarter = "surveillance-quarter"
    /// A ROT/RUT claim file for Skatteverket written (`tax-reduction.claim-file-generated.v1`).
    case claimFile = "claim-file"
}

/// Where a price comes from.
public enum PriceSource: String, Codable, Sendable, CaseIterable {
    /// The platform's default price: the creditor never set one for the service.
    case `default`
    /// A price set for this creditor by `invoicing.set-creditor-prices.v1`.
    case creditor
}

/// Sets some or all of a creditor's prices; the services not named keep what they had (their own price or the
/// default). Prices are in SEK, whole öre, from 0 up to the platform's maximum per act.
public struct SetCreditorPrices: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.set-creditor-prices.v1"

    /// The registered creditor the prices are for.
    public var creditorID: String
    /// The prices to set, each service at most once.
    public var prices: [Price]

    public init(creditorID: String, prices: [Price]) {
        self.creditorID = creditorID
        self.prices = prices
    }

    /// One service's new price. The service is text here, so that an unknown one is refused naming its field rather
    /// than making the whole body undecodable.
    public struct Price: Codable, Sendable, Equatable {
        /// A ``ChargeableService`` raw value, e.g. `reminder`.
        public var service: String
        /// The price per act.
        public var price: Money

        public init(service: String, price: Money) {
            self.service = service
            self.price = price
        }

        public init(_ service: ChargeableService, _ price: Money) {
            self.init(service: service.rawValue, price: price)
        }
    }
}

/// A creditor's prices were set; each act from now on is charged at them.
public struct CreditorPricesSet: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.creditor-prices-set.v1"

    public var creditorID: String
    /// The prices that were set, in the price list's order.
    public var prices: [Price]

    public init(creditorID: String, prices: [Price]) {
        self.creditorID = creditorID
        self.prices = prices
    }

    /// One service's price as it now stands.
    public struct Price: Codable, Sendable, Equatable {
        public var service: ChargeableService
        public var price: Money

        public init(service: ChargeableService, price: Money) {
            self.service = service
            self.price = price
        }
    }
}

/// The platform charged a creditor for one chargeable act, at the creditor's price when the act happened. Published
/// once per act: the act's event id is the key.
public struct CreditorPlatformFeeCharged: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.platform-fee-charged.v1"

    public var creditorID: String
    public var service: ChargeableService
    /// What the act costs (SEK).
    public var amount: Money
    /// Whether the amount is the platform's default price or the creditor's own.
    public var priceSource: PriceSource
    /// The day of the act (Stockholm); it decides the monthly statement the fee is on.
    public var on: CalendarDate
    /// The message id of the event that marked the act (the key that makes the fee once per act).
    public var actMessageID: String
    /// The wire name of that event.
    public var actType: MessageType
    /// The invoice the act was about, when it was about one.
    public var invoiceID: String?
    /// The claim file, for `claim-file`.
    public var claimFileID: String?

    public init(
        creditorID: String,
        service: ChargeableService,
        amount: Money,
        priceSource: PriceSource,
        on: CalendarDate,
        actMessageID: String,
        actType: MessageType,
        invoiceID: String? = nil,
        claimFileID: String? = nil
    ) {
        self.creditorID = creditorID
        self.service = service
        self.amount = amount
        self.priceSource = priceSource
        self.on = on
        self.actMessageID = actMessageID
        self.actType = actType
        self.invoiceID = invoiceID
        self.claimFileID = claimFileID
    }
}
