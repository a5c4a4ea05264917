/// Creates an unattested credit invoice from an original: its lines reversed, in full or in part, by quantity or by
/// amount.
///
/// The credit's VAT and öresavrundning are worked out on the original's cumulative credited total (this credit and
/// every earlier one, drafts included), so the credits of an invoice always add up to exactly its total.
public struct CreateCreditInvoice: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.create-credit-invoice.v1"

    public var originalInvoiceID: String
    /// The upstream's id for the credit invoice (idempotency as for create-invoice).
    public var externalID: String
    /// Which lines to credit and how much of each; what remains of every line when both this and `amount` are
    /// absent.
    public var lines: [CreditedLine]?
    /// The total to credit, VAT and öresavrundning included (positive, in the original's currency), spread over
    /// what remains of the lines in proportion to it; not together with `lines`. The credit invoice's total is
    /// exactly this amount.
    public var amount: Money?
    public var reason: String?

    public init(
        originalInvoiceID: String,
        externalID: String,
        lines: [CreditedLine]? = nil,
        amount: Money? = nil,
        reason: String? = nil
    ) {
        self.originalInvoiceID = originalInvoiceID
        self.externalID = externalID
        self.lines = lines
        self.amount = amount
        self.reason = reason
    }

    /// Part of one original line to credit: a quantity, an amount, or (neither) what remains of the line.
    public struct CreditedLine: Codable, Sendable, Equatable {
        /// Zero-based position of the line on the original.
        public var lineIndex: Int
        /// The (positive) quantity to credit.
        public var quantity: DecimalQuantity?
        /// The (positive) amount excluding VAT to credit of the line, in the original's currency; not together
        /// with `quantity`. The line's VAT follows from it.
        public var amount: Money?
        public init(lineIndex: Int, quantity: DecimalQuantity? = nil, amount: Money? = nil) {
            self.lineIndex = lineIndex
            self.quantity = quantity
            self.amount = amount
        }
    }
}

/// An attested credit invoice credited (part of) its original.
public struct InvoiceCredited: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.invoice-credited.v1"
    public var invoiceID: String
    public var creditInvoiceID: String
    /// How much the original's amount due went down (positive): the credited lines less their part of a ROT/RUT
    /// reduction, which the buyer never paid.
    public var amount: Money
    /// On a ROT/RUT invoice: how much of the reduction the credit takes back (positive, whole kronor), so that
    /// Skatteverket is asked only for the work that stands.
    public var taxReductionCredited: Money?
    /// On a ROT/RUT invoice: the labour cost including VAT the credit takes back (positive).
    public var labourCredited: Money?
    /// On a ROT/RUT invoice: what stands for each buyer after the credit, in the order of the allocation.
    public var taxReductionStanding: [StandingReduction]?
    public init(
        invoiceID: String,
        creditInvoiceID: String,
        amount: Money,
        taxReductionCredited: Money? = nil,
        labourCredited: Money? = nil,
        taxReductionStanding: [StandingReduction]? = nil
    ) {
        self.invoiceID = invoiceID
        self.creditInvoiceID = creditInvoiceID
        self.amount = amount
        self.taxReductionCredited = taxReductionCredited
        self.labourCredited = labourCredited
        self.taxReductionStanding = taxReductionStanding
    }

    /// One buyer's ROT/RUT reduction and labour cost (including VAT) as they stand after a credit.
    public struct StandingReduction: Codable, Sendable, Equatable {
        /// The canonical 12-digit personnummer, as in reduction-allocated.
        public var personnummer: String
        /// Whole kronor, at most the rate of `labour`.
        public var reduction: Money
        public var labour: Money
        public init(personnummer: String, reduction: Money, labour: Money) {
            self.personnummer = personnummer
            self.reduction = reduction
            self.labour = labour
        }
    }
}

/// Offsets a standalone credit invoice against a debit invoice ("Nyttja kredit").
public struct ApplyCredit: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.apply-credit.v1"
    public var creditInvoiceID: String
    public var debitInvoiceID: String
    /// How much to offset (positive); as much as both allow when absent.
    public var amount: Money?
    public init(creditInvoiceID: String, debitInvoiceID: String, amount: Money? = nil) {
        self.creditInvoiceID = creditInvoiceID
        self.debitInvoiceID = debitInvoiceID
        self.amount = amount
    }
}

/// A credit was applied to a debit invoice.
public struct CreditApplied: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.credit-applied.v1"
    public var creditInvoiceID: String
    public var debitInvoiceID: String
    /// How much the debit invoice's amount due went down (positive).
    public var amount: Money
    public init(creditInvoiceID: String, debitInvoiceID: String, amount: Money) {
        self.creditInvoiceID = creditInvoiceID
        self.debitInvoiceID = debitInvoiceID
        self.amount = amount
    }
}
