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

/// Why payment-matching applied (part of) a payment to an invoice: the `matchedBy` of an allocation and of
/// ``PaymentMatched``. On the wire its raw value.
public enum PaymentMatchMethod: String, Hashable, Sendable, Codable, CaseIterable {
    /// An OCR reference: in the reference field (verified by Bankgirot or with a valid check digit), or one with a
    /// valid check digit in free text when the invoice's open amount is what was paid.
    case ocr
    /// An extra reference record of a BgMax payment (TK22, or TK23 for a credit invoice), with its amount.
    case extraReference = "extra-reference"
    /// An invoice number or OCR in free text, on an invoice of the payer (the payer's organisation or personal
    /// number is the invoice's debtor's).
    case invoiceNumber = "invoice-number"
    /// An invoice number or OCR in free text, on an invoice of a debtor this payer (bankgiro, Swish number,
    /// organisation number) paid before by a reference.
    case payerHistory = "payer-history"
    /// An operator: a manual registration naming the invoice, or a link of an unmatched payment or an overpayment.
    case manual
}

/// (Part of) a payment settled (part of) an invoice.
public struct PaymentMatched: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.payment-matched.v1"
    public var paymentID: String
    public var invoiceID: String
    /// The part of the payment applied to this invoice.
    public var amount: Money
    /// How it was matched: a ``PaymentMatchMethod`` raw value (`ocr`, `extra-reference`, `invoice-number`,
    /// `payer-history`, `manual`). Events published before these five existed may say `free-text-ocr`,
    /// `free-text-invoice-number` or `link`.
    public var matchedBy: String
    /// Why, in words for an operator: the reference and, for free text, how the payer was recognised. Absent in
    /// events published before it existed.
    public var explanation: String?
    public init(paymentID: String, invoiceID: String, amount: Money, matchedBy: String, explanation: String? = nil) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.amount = amount
        self.matchedBy = matchedBy
        self.explanation = explanation
    }

    /// ``matchedBy`` as the enum; `nil` for a value older events used.
    public var method: PaymentMatchMethod? { PaymentMatchMethod(rawValue: matchedBy) }
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
    /// Records of a type BgMax does not define, skipped as Bankgirot's manual says (absent in older events).
    public var skippedRecords: Int?
    /// What the operator should know about the file's form: skipped records, a UTF-8 file (absent in older events).
    public var warnings: [String]?
    /// `ISO-8859-1` or `UTF-8`: how the file was read (absent in older events).
    public var encoding: String?
    /// Each deposit's total against what became of it (absent in older events).
    public var reconciliation: [DepositReconciliation]?

    public init(
        fileKey: String,
        deposits: Int,
        payments: Int,
        total: Money,
        skippedRecords: Int? = nil,
        warnings: [String]? = nil,
        encoding: String? = nil,
        reconciliation: [DepositReconciliation]? = nil
    ) {
        self.fileKey = fileKey
        self.deposits = deposits
        self.payments = payments
        self.total = total
        self.skippedRecords = skippedRecords
        self.warnings = warnings
        self.encoding = encoding
        self.reconciliation = reconciliation
    }

    /// One deposit: `total == booked + unmatched + deductions`.
    public struct DepositReconciliation: Codable, Sendable, Equatable {
        /// The receiving bankgiro, digits.
        public var payeeBankgiro: String
        public var paymentDate: CalendarDate
        /// The deposit serial number (insättningslöpnummer) as in the file.
        public var depositSerialNumber: String
        /// The deposit record's amount (TK15): payments less deductions.
        public var total: Money
        /// What the deposit's payments applied to invoices, net of the deductions (TK21) set off against them.
        public var booked: Money
        /// What of the payments is not applied: unmatched payments and overpayments, to link or refund.
        public var unmatched: Money
        /// The deductions (TK21) left to an operator, negative. A deduction of a credit invoice set off against the
        /// payer's payment in the same deposit is in `booked` instead.
        public var deductions: Money
        /// Credit invoices the payers used in the deposit (TK23 and TK21), positive; part of what the booked
        /// invoices were settled with, not money in the deposit.
        public var creditsApplied: Money

        public init(
            payeeBankgiro: String,
            paymentDate: CalendarDate,
            depositSerialNumber: String,
            total: Money,
            booked: Money,
            unmatched: Money,
            deductions: Money,
            creditsApplied: Money
        ) {
            self.payeeBankgiro = payeeBankgiro
            self.paymentDate = paymentDate
            self.depositSerialNumber = depositSerialNumber
            self.total = total
            self.booked = booked
            self.unmatched = unmatched
            self.deductions = deductions
            self.creditsApplied = creditsApplied
        }
    }
}

/// Payment-matching refused a well-formed command; nothing changed.
public struct PaymentMatchingCommandRejected: CommandRejectedMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.command-rejected.v1"
    public var rejection: CommandRejection
    public init(rejection: CommandRejection) { self.rejection = rejection }
}
