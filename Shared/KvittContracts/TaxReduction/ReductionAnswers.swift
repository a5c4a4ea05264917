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
