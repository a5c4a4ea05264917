/// Registers (or updates) a creditor: who invoices, how debtors pay, and how the collection ladder runs.
public struct RegisterCreditor: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.register-creditor.v1"

    /// The upstream's id for the creditor; registering the same id again updates it.
    public var creditorID: String
    public var name: String
    /// Organisationsnummer (or a sole trader's personnummer).
    public var organisationNumber: String
    /// The bankgiro number that receives OCR payments.
    public var bankgiro: String
    /// Accounts for payments from abroad or in other currencies, per currency.
    public var foreignAccounts: [ForeignAccount]
    /// Whether a reminder fee was agreed with debtors when their debts arose (required for charging it).
    public var reminderFeeAgreed: Bool
    /// Days from invoice date to due date when an invoice gives neither.
    public var paymentTermsDays: Int
    /// The OCR check the creditor's bankgiro agreement enforces.
    public var ocrControl: OCRControl
    /// Invoice numbers: the first number and an optional fixed prefix for display.
    public var invoiceNumberSeries: NumberSeries
    /// Days before the due date when an invoice turns yellow.
    public var warningWindowDays: Int?
    /// The creditor's collection settings (used by debt-collection).
    public var collection: CollectionSettings?

    public init(
        creditorID: String,
        name: String,
        organisationNumber: String,
        bankgiro: String,
        foreignAccounts: [ForeignAccount] = [],
        reminderFeeAgreed: Bool,
        paymentTermsDays: Int,
        ocrControl: OCRControl,
        invoiceNumberSeries: NumberSeries,
        warningWindowDays: Int? = nil,
        collection: CollectionSettings? = nil
    ) {
        self.creditorID = creditorID
        self.name = name
        self.organisationNumber = organisationNumber
        self.bankgiro = bankgiro
        self.foreignAccounts = foreignAccounts
        self.reminderFeeAgreed = reminderFeeAgreed
        self.paymentTermsDays = paymentTermsDays
        self.ocrControl = ocrControl
        self.invoiceNumberSeries = invoiceNumberSeries
        self.warningWindowDays = warningWindowDays
        self.collection = collection
    }

    /// An IBAN and BIC for one currency.
    public struct ForeignAccount: Codable, Sendable, Equatable {
        public var currency: String
        public var iban: String
        public var bic: String
        public init(currency: String, iban: String, bic: String) {
            self.currency = currency
            self.iban = iban
            self.bic = bic
        }
    }

    /// The OCR control level of the bankgiro agreement (docs/domain.md §1.3).
    public struct OCRControl: Codable, Sendable, Equatable {
        /// `soft`, `hard`, `variable-length` or `fixed-length`.
        public var level: String
        /// For `fixed-length`: the agreed total length(s), 2–25.
        public var lengths: [Int]?
        public init(level: String, lengths: [Int]? = nil) {
            self.level = level
            self.lengths = lengths
        }
    }

    /// The invoice number series.
    public struct NumberSeries: Codable, Sendable, Equatable {
        /// The first invoice number (digits only, so it can be the base of the OCR reference).
        public var start: Int64
        public init(start: Int64) { self.start = start }
    }

    /// When reminders and collection happen automatically.
    public struct CollectionSettings: Codable, Sendable, Equatable {
        /// Days after the due date for the reminder; `nil` = no automatic reminder.
        public var reminderDaysAfterDue: Int?
        /// Days after the due date for sending to collection; `nil` = manual only.
        public var collectionDaysAfterDue: Int?
        public init(reminderDaysAfterDue: Int?, collectionDaysAfterDue: Int?) {
            self.reminderDaysAfterDue = reminderDaysAfterDue
            self.collectionDaysAfterDue = collectionDaysAfterDue
        }
    }
}

/// A creditor was registered or updated; carries the validated settings.
public struct CreditorRegistered: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.creditor-registered.v1"
    public var creditor: RegisterCreditor

    public init(creditor: RegisterCreditor) { self.creditor = creditor }
}
