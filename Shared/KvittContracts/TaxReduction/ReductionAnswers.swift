/// Tax-reduction allocated an invoice's ROT/RUT reduction between its buyers.
public struct ReductionAllocated: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.reduction-allocated.v1"

    public var invoiceID: String
    /// `rot` or `rut`.
    public var kind: String
    /// The whole reduction: the sum of the buyers' amounts.
    public var total: Money
    public var buyers: [Buyer]

    public init(invoiceID: String, kind: String, total: Money, buyers: [Buyer]) {
        self.invoiceID = invoiceID
        self.kind = kind
        self.total = total
        self.buyers = buyers
    }

    /// One buyer's share.
    public struct Buyer: Codable, Sendable, Equatable {
        public var personnummer: String
        public var amount: Money
        public var hours: Int
        /// Set when the buyer's annual cap cut the share.
        public var capWarning: String?
        /// The buyer's part of the labour cost including VAT, which the share is at most the rate of.
        public var labour: Money?
        public init(personnummer: String, amount: Money, hours: Int, capWarning: String? = nil, labour: Money? = nil) {
            self.personnummer = personnummer
            self.amount = amount
            self.hours = hours
            self.capWarning = capWarning
            self.labour = labour
        }
    }
}

/// Tax-reduction refused an invoice's ROT/RUT request; the invoice cannot be attested as it is.
public struct ReductionRejected: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.reduction-rejected.v1"
    public var invoiceID: String
    public var reason: String
    public var errors: [FieldError]
    public init(invoiceID: String, reason: String, errors: [FieldError]) {
        self.invoiceID = invoiceID
        self.reason = reason
        self.errors = errors
    }
}

/// A buyer paid, and the payment date allows less reduction than the invoice gave for what was paid: a later tax
/// year's rate, the temporary ROT rate not reached, or the payment year's annual cap. The claim asks Skatteverket only
/// what is allowed; the difference is the buyer's to pay, and invoicing bills it with the reason.
public struct ReductionAdjusted: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.reduction-adjusted.v1"
    /// The claim (one buyer's part of an invoice paid on one date) that was adjusted.
    public var claimID: String
    public var invoiceID: String
    public var creditorID: String
    /// The buyer's full personnummer: invoicing bills the difference to this buyer.
    public var buyer: String
    /// The date of the payment whose rate and cap decided.
    public var paymentDate: CalendarDate
    /// The reduction the invoice gave for the paid part.
    public var invoiced: Money
    /// What the payment date allows for it, and what the claim asks.
    public var allowed: Money
    /// `invoiced − allowed`: what the buyer owes the creditor.
    public var owedByBuyer: Money
    /// What now stands of this buyer's reduction on the invoice in all, after this and earlier adjustments.
    public var buyerReduction: Money
    /// Why, in words for the buyer's invoice (Swedish), e.g. "betald 2026-01-10: rotavdrag 30 % för 2026".
    public var reason: String

    public init(
        claimID: String,
        invoiceID: String,
        creditorID: String,
        buyer: String,
        paymentDate: CalendarDate,
        invoiced: Money,
        allowed: Money,
        owedByBuyer: Money,
        buyerReduction: Money,
        reason: String
    ) {
        self.claimID = claimID
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.buyer = buyer
        self.paymentDate = paymentDate
        self.invoiced = invoiced
        self.allowed = allowed
        self.owedByBuyer = owedByBuyer
        self.buyerReduction = buyerReduction
        self.reason = reason
    }
}
