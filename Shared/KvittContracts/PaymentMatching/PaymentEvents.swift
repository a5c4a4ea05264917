/// A payment was registered (from a command or a BgMax file).
public struct PaymentRegistered: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-registered.v1"
    public var paymentID: String
    public var source: String
    public var sourceID: String
    public var amount: Money
    public var paymentDate: CalendarDate
    public var reference: String?
    public var payerName: String?
    public init(
        paymentID: String,
        source: String,
        sourceID: String,
        amount: Money,
        paymentDate: CalendarDate,
        reference: String?,
        payerName: String?
    ) {
        self.paymentID = paymentID
        self.source = source
        self.sourceID = sourceID
        self.amount = amount
        self.paymentDate = paymentDate
        self.reference = reference
        self.payerName = payerName
    }
}

/// (Part of) a payment settled (part of) an invoice.
public struct PaymentMatched: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-matched.v1"
    public var paymentID: String
    public var invoiceID: String
    /// The part of the payment applied to this invoice.
    public var amount: Money
    /// How it was matched: `ocr`, `extra-reference`, `free-text-ocr`, `free-text-invoice-number`, `manual`, `link`.
    public var matchedBy: String
    public init(paymentID: String, invoiceID: String, amount: Money, matchedBy: String) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.amount = amount
        self.matchedBy = matchedBy
    }
}

/// An invoice is fully paid.
public struct InvoicePaid: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.invoice-paid.v1"
    public var invoiceID: String
    /// Everything paid on it.
    public var paid: Money
    /// The date of the payment that completed it.
    public var paymentDate: CalendarDate
    public init(invoiceID: String, paid: Money, paymentDate: CalendarDate) {
        self.invoiceID = invoiceID
        self.paid = paid
        self.paymentDate = paymentDate
    }
}

/// An invoice received a payment that did not cover it.
public struct InvoicePartiallyPaid: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.invoice-partially-paid.v1"
    public var invoiceID: String
    public var amount: Money
    public var remaining: Money
    public var paymentDate: CalendarDate
    public init(invoiceID: String, amount: Money, remaining: Money, paymentDate: CalendarDate) {
        self.invoiceID = invoiceID
        self.amount = amount
        self.remaining = remaining
        self.paymentDate = paymentDate
    }
}

/// A payment was larger than what it settled; the excess waits to be linked or refunded.
public struct OverpaymentRecorded: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.overpayment-recorded.v1"
    public var paymentID: String
    public var invoiceID: String
    public var amount: Money
    public init(paymentID: String, invoiceID: String, amount: Money) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.amount = amount
    }
}

/// A credit lowered what an invoice owes below what was already paid on it: that much of a payment is taken back from
/// the invoice and is the payer's again, on the overpayments list to refund or link. Invoicing and debt-collection
/// lower the invoice's paid amount by it.
public struct PaymentAllocationReleased: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-allocation-released.v1"
    public var paymentID: String
    public var invoiceID: String
    /// What the invoice no longer counts as paid (positive).
    public var amount: Money
    /// Why, e.g. the credit invoice that caused it.
    public var reason: String
    public init(paymentID: String, invoiceID: String, amount: Money, reason: String) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.amount = amount
        self.reason = reason
    }
}

/// A payment matched no receivable ("Omatchade betalningar").
public struct PaymentUnmatched: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-unmatched.v1"
    public var paymentID: String
    public var amount: Money
    public var reason: String
    public init(paymentID: String, amount: Money, reason: String) {
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
    }
}

/// An unmatched payment or overpayment was taken off the list (refunded through the bank).
public struct PaymentRemoved: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-removed.v1"
    public var paymentID: String
    public var amount: Money
    public var reason: String
    public init(paymentID: String, amount: Money, reason: String) {
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
    }
}

/// A BgMax file was imported.
public struct BankgiroFileImported: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.bankgiro-file-imported.v1"
    /// SHA-256-free content fingerprint: the file's deposits' serial numbers and dates, which Bankgirot never reuses.
    public var fileKey: String
    public var deposits: Int
    public var payments: Int
    public var total: Money
    public init(fileKey: String, deposits: Int, payments: Int, total: Money) {
        self.fileKey = fileKey
        self.deposits = deposits
        self.payments = payments
        self.total = total
    }
}

/// Payment-matching refused a well-formed command; nothing changed.
public struct PaymentMatchingCommandRejected: CommandRejectedMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.command-rejected.v1"
    public var rejection: CommandRejection
    public init(rejection: CommandRejection) { self.rejection = rejection }
}
