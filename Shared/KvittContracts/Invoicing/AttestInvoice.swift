/// Attests a draft: locks it, numbers it, gives it an OCR reference, and issues it.
public struct AttestInvoice: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.attest-invoice.v1"
    public var invoiceID: String
    public init(invoiceID: String) { self.invoiceID = invoiceID }
}

/// Asks to change an invoice's due date; allowed only on drafts.
public struct ChangeDueDate: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.change-due-date.v1"
    public var invoiceID: String
    public var dueDate: CalendarDate
    public init(invoiceID: String, dueDate: CalendarDate) {
        self.invoiceID = invoiceID
        self.dueDate = dueDate
    }
}

/// An invoice was issued: what the debtor owes, by when, and how to pay.
public struct InvoiceIssued: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.invoice-issued.v1"

    public var invoiceID: String
    public var creditorID: String
    public var invoiceNumber: String
    /// The OCR reference (also for IBAN payments, as the payment reference).
    public var ocr: String
    /// `debit` or `credit`.
    public var kind: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var total: Money
    /// The ROT/RUT reduction that Skatteverket pays; zero otherwise.
    public var taxReduction: Money
    /// What the debtor pays: total minus the tax reduction.
    public var amountDue: Money
    public var debtor: Debtor
    public var paymentMeans: PaymentMeans

    public init(
        invoiceID: String,
        creditorID: String,
        invoiceNumber: String,
        ocr: String,
        kind: String,
        invoiceDate: CalendarDate,
        dueDate: CalendarDate,
        total: Money,
        taxReduction: Money,
        amountDue: Money,
        debtor: Debtor,
        paymentMeans: PaymentMeans
    ) {
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.invoiceNumber = invoiceNumber
        self.ocr = ocr
        self.kind = kind
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.total = total
        self.taxReduction = taxReduction
        self.amountDue = amountDue
        self.debtor = debtor
        self.paymentMeans = paymentMeans
    }

    /// How the debtor pays.
    public struct PaymentMeans: Codable, Sendable, Equatable {
        /// `bankgiro-ocr` (domestic SEK) or `iban` (foreign debtor or other currency).
        public var kind: String
        public var bankgiro: String?
        public var iban: String?
        public var bic: String?
        /// What the payer quotes: the OCR reference.
        public var reference: String
        /// False for IBAN invoices: bankgiro files cannot settle them; expect manual or card payments.
        public var reconcilableFromBankgiro: Bool

        public init(
            kind: String,
            bankgiro: String? = nil,
            iban: String? = nil,
            bic: String? = nil,
            reference: String,
            reconcilableFromBankgiro: Bool
        ) {
            self.kind = kind
            self.bankgiro = bankgiro
            self.iban = iban
            self.bic = bic
            self.reference = reference
            self.reconcilableFromBankgiro = reconcilableFromBankgiro
        }
    }
}
