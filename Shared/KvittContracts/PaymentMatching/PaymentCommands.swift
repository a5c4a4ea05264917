/// Registers one payment from a bank, Swish, a card acquirer or an operator. The same source id twice is one payment.
public struct RegisterPayment: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.register-payment.v1"

    /// `bankgiro`, `swish`, `card` or `manual`.
    public var source: String
    /// The source's unique id: BGC serial number, Swish payment reference, card transaction id, operator's id.
    public var sourceID: String
    public var amount: Money
    public var paymentDate: CalendarDate
    /// The OCR reference the payer gave, if any.
    public var reference: String?
    /// Free text: a Swish message or a bank message; OCR and invoice numbers in it are matched too.
    public var message: String?
    public var payer: Payer?
    /// The creditor that received the payment (Swish, card, manual); bankgiro payments name the bankgiro instead.
    public var creditorID: String?
    /// The receiving bankgiro (bankgiro payments).
    public var payeeBankgiro: String?
    /// For a manual registration: the invoice the operator marks as paid.
    public var invoiceID: String?

    public init(
        source: String,
        sourceID: String,
        amount: Money,
        paymentDate: CalendarDate,
        reference: String? = nil,
        message: String? = nil,
        payer: Payer? = nil,
        creditorID: String? = nil,
        payeeBankgiro: String? = nil,
        invoiceID: String? = nil
    ) {
        self.source = source
        self.sourceID = sourceID
        self.amount = amount
        self.paymentDate = paymentDate
        self.reference = reference
        self.message = message
        self.payer = payer
        self.creditorID = creditorID
        self.payeeBankgiro = payeeBankgiro
        self.invoiceID = invoiceID
    }

    /// Who paid. Payment-matching recognises a payer by these (except the name) to match free text only to the
    /// payer's own invoices.
    public struct Payer: Codable, Sendable, Equatable {
        public var name: String?
        /// The bankgiro number the payment came from.
        public var bankgiro: String?
        /// The payer's organisationsnummer or personnummer.
        public var organisationNumber: String?
        /// The payer's Swish number (a mobile number for a private person), for Swish payments. Absent in older
        /// commands.
        public var swishNumber: String?
        public init(
            name: String? = nil,
            bankgiro: String? = nil,
            organisationNumber: String? = nil,
            swishNumber: String? = nil
        ) {
            self.name = name
            self.bankgiro = bankgiro
            self.organisationNumber = organisationNumber
            self.swishNumber = swishNumber
        }
    }
}

/// Imports a whole BgMax file (Bankgiro Inbetalningar). Importing the same file twice changes nothing.
public struct ImportBankgiroFile: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.import-bankgiro-file.v1"
    public var fileName: String?
    /// The file as text, decoded from ISO-8859-1 (each byte one character). A file that was re-encoded as UTF-8 and
    /// wrapped byte by byte all the same is recognised and read as UTF-8 (`BgMaxEncoding`).
    public var content: String
    public init(fileName: String? = nil, content: String) {
        self.fileName = fileName
        self.content = content
    }

    /// The file's bytes as Bankgirot wrote them (ISO-8859-1).
    public var latin1Bytes: [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.unicodeScalars.count)
        for scalar in content.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    /// A command carrying raw ISO-8859-1 bytes.
    public init(fileName: String? = nil, latin1 bytes: [UInt8]) {
        self.init(fileName: fileName, content: String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })))
    }
}

/// Connects an unmatched payment or an overpayment to an outstanding invoice ("länken").
public struct LinkPayment: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.link-payment.v1"
    public var paymentID: String
    public var invoiceID: String
    public init(paymentID: String, invoiceID: String) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
    }
}

/// Takes an unmatched payment or an overpayment off the list after it was refunded through the bank.
public struct RemovePayment: KvittMessage, Equatable {
    public static let messageType: MessageType = "payment-matching.remove-payment.v1"
    public var paymentID: String
    public var reason: String
    public init(paymentID: String, reason: String) {
        self.paymentID = paymentID
        self.reason = reason
    }
}
