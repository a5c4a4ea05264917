/// A parsed Bankgirot "Bankgiro Inbetalningar" file (BgMax): the incoming payments to one or more of the payee's
/// bankgiro numbers, grouped in deposits.
///
/// Layout (docs/domain.md §2.2): `01 ( 05 ( {20|21} {22|23|25|26|27|28|29}* )+ 15 )+ 70`. The parser checks that
/// every deposit adds up and that the end record's counts match, so a file it returns is internally consistent.
/// Everything is `Codable`, so that `kvitt bgmax show --json` can print it; ``summary()`` renders it for people.
public struct BgMaxFile: Hashable, Sendable, Codable {
    /// The start record (01).
    public let header: BgMaxHeader
    /// The deposits (05 … 15 groups) in file order.
    public let deposits: [BgMaxDeposit]
    /// The counts of the end record (70), equal to what the file holds.
    public let counts: BgMaxCounts
    /// Records of a type the layout does not define, skipped as the manual tells a receiver (docs/domain.md §2.1).
    public let skippedRecords: [BgMaxSkippedRecord]
    /// How the file's characters were encoded (``BgMaxEncoding/detect(_:)``).
    public let encoding: BgMaxEncoding

    public init(
        header: BgMaxHeader,
        deposits: [BgMaxDeposit],
        counts: BgMaxCounts,
        skippedRecords: [BgMaxSkippedRecord] = [],
        encoding: BgMaxEncoding = .latin1
    ) {
        self.header = header
        self.deposits = deposits
        self.counts = counts
        self.skippedRecords = skippedRecords
        self.encoding = encoding
    }

    /// What an importer should tell the operator about the file's form: skipped records, a re-encoded file.
    public var warnings: [String] {
        var warnings: [String] = []
        if !skippedRecords.isEmpty {
            let types = Set(skippedRecords.map(\.type)).sorted().joined(separator: ", ")
            let lines = skippedRecords.prefix(10).map { String($0.line) }.joined(separator: ", ")
            let more = skippedRecords.count > 10 ? ", …" : ""
            warnings.append(
                "\(skippedRecords.count) record(s) of unknown type \(types) skipped (lines \(lines)\(more))"
            )
        }
        if encoding == .utf8 {
            warnings.append("the file is UTF-8, not ISO-8859-1 as Bankgirot writes it: read as UTF-8")
        }
        return warnings
    }
}

/// A record of a type the layout does not define, skipped.
public struct BgMaxSkippedRecord: Hashable, Sendable, Codable {
    /// Its line (or position, in a file without line breaks).
    public let line: Int
    /// Its record type, positions 1–2.
    public let type: String

    public init(line: Int, type: String) {
        self.line = line
        self.type = type
    }
}

/// The start record (TK01 Startpost).
public struct BgMaxHeader: Hashable, Sendable, Codable {
    /// The layout version, positions 23–24; always one of ``BgMaxParser/supportedVersions``.
    public let version: String
    /// When Bankgirot wrote the file (Skrivdag), positions 25–44.
    public let timestamp: BgMaxTimestamp
    /// Whether the file is a test file (`T` at position 45) rather than production (`P`). A test file must never be
    /// booked.
    public let isTest: Bool

    public init(
        version: String,
        timestamp: BgMaxTimestamp,
        isTest: Bool
    ) {
        self.version = version
        self.timestamp = timestamp
        self.isTest = isTest
    }
}

/// The write time of a file, `YYYYMMDDHHMMSS` and six digits of microseconds (`20040525173035010331`), in
/// Swedish local time as Bankgirot writes it.
public struct BgMaxTimestamp: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 20 digits as they stand in the file.
    public let text: String
    /// The calendar date.
    public let date: CalendarDate
    public let hour: Int
    public let minute: Int
    public let second: Int
    public let microsecond: Int

    public init(
        text: String,
        date: CalendarDate,
        hour: Int,
        minute: Int,
        second: Int,
        microsecond: Int
    ) {
        self.text = text
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// `2004-05-25 17:30:35.010331`.
    public var description: String {
        let time = [hour, minute, second].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
        return "\(date) \(time).\(text.suffix(6))"
    }
}

/// One deposit (insättning): the payments to one receiving bankgiro number for one payment day, from the opening
/// record (TK05) to the deposit record (TK15).
public struct BgMaxDeposit: Hashable, Sendable, Codable {
    /// The receiving bankgiro number (05, positions 3–12), digits without leading zeros: `"9912346"`.
    public let payeeBankgiro: String
    /// The receiving plusgiro number (05, positions 13–22), `nil` when blank or zero.
    public let payeePlusgiro: String?
    /// The currency of the deposit and all its amounts (05, positions 23–25; SEK since 2016).
    public let currency: Currency
    /// The receiving bank account (15, positions 3–37), digits without the leading zero fill: clearing number
    /// then account number, e.g. `"5841000001009823"`.
    public let payeeBankAccount: String
    /// The payment day (15, positions 38–45).
    public let paymentDate: CalendarDate
    /// The deposit serial number (insättningslöpnummer, 15, positions 46–50) as in the file: `"00074"`.
    public let depositSerialNumber: String
    /// The deposited amount (15, positions 51–68): the sum of the payments (20) less the sum of the deductions (21).
    /// Extra references (22/23) do not count, they split the amount of their payment.
    public let total: Money
    /// The deposit type (15, position 80): `K`, `D` or `S` "according to the bank agreement", `nil` when blank.
    public let depositType: String?
    /// The payment (20) and deduction (21) records in file order; as many as the deposit record states.
    public let payments: [BgMaxPayment]

    public init(
        payeeBankgiro: String,
        payeePlusgiro: String?,
        currency: Currency,
        payeeBankAccount: String,
        paymentDate: CalendarDate,
        depositSerialNumber: String,
        total: Money,
        depositType: String?,
        payments: [BgMaxPayment]
    ) {
        self.payeeBankgiro = payeeBankgiro
        self.payeePlusgiro = payeePlusgiro
        self.currency = currency
        self.payeeBankAccount = payeeBankAccount
        self.paymentDate = paymentDate
        self.depositSerialNumber = depositSerialNumber
        self.total = total
        self.depositType = depositType
        self.payments = payments
    }
}

/// A payment (TK20 Betalningspost) or deduction (TK21 Avdragspost) with the records attached to it.
public struct BgMaxPayment: Hashable, Sendable, Codable {
    /// Whether the record is a payment or a deduction.
    public let kind: BgMaxPaymentKind
    /// The sender's bankgiro number (positions 3–12), digits without leading zeros; `nil` when unknown (zeros).
    public let senderBankgiro: String?
    /// The main reference (positions 13–37, with the amount of the record) first, then the extra references (22/23)
    /// in file order. The main reference is always present; its text is empty when the payer gave none.
    public let references: [BgMaxReference]
    /// The amount as the record states it (positions 38–55), never negative; a deduction reduces the deposit by it,
    /// see ``signedAmount``.
    public let amount: Money
    /// What the main reference is (position 56).
    public let referenceCode: BgMaxReferenceCode
    /// How the payment was made (position 57).
    public let channel: BgMaxPaymentChannel
    /// The BGC serial number (BGC-löpnummer, positions 58–69) as in the file: the unique id of the payment, repeated
    /// on its extra reference records.
    public let serialNumber: String
    /// Whether Bankgirot has an image of a paper slip (position 70).
    public let imageMarker: BgMaxImageMarker
    /// The deduction code (position 71) of a deduction; `nil` for a payment.
    public let deductionCode: BgMaxDeductionCode?
    /// The information texts (25) in file order, blank ones left out.
    public let informationTexts: [String]
    /// The payer's name, address and organisation number (26–29); `nil` when the file has none of those records.
    public let payer: BgMaxPayer?

    public init(
        kind: BgMaxPaymentKind,
        senderBankgiro: String?,
        references: [BgMaxReference],
        amount: Money,
        referenceCode: BgMaxReferenceCode,
        channel: BgMaxPaymentChannel,
        serialNumber: String,
        imageMarker: BgMaxImageMarker,
        deductionCode: BgMaxDeductionCode?,
        informationTexts: [String],
        payer: BgMaxPayer?
    ) {
        self.kind = kind
        self.senderBankgiro = senderBankgiro
        self.references = references
        self.amount = amount
        self.referenceCode = referenceCode
        self.channel = channel
        self.serialNumber = serialNumber
        self.imageMarker = imageMarker
        self.deductionCode = deductionCode
        self.informationTexts = informationTexts
        self.payer = payer
    }

    /// The amount with the sign it has in the deposit: negative for a deduction.
    public var signedAmount: Money {
        kind == .deduction ? Money(minorUnits: -amount.amount, amount.currency) : amount
    }

    /// The main reference (positions 13–37).
    public var mainReference: BgMaxReference { references[0] }

    /// The extra references (22/23), in file order.
    public var extraReferences: ArraySlice<BgMaxReference> { references.dropFirst() }
}

/// Whether a record moves money in (payment) or out of (deduction) a deposit.
public enum BgMaxPaymentKind: String, Hashable, Sendable, Codable {
    /// TK20 Betalningspost.
    case payment
    /// TK21 Avdragspost: a credit the payer takes, deducted from the deposit.
    case deduction
}

/// A reference of a payment: its main reference or an extra reference record (TK22 positive, TK23 negative).
public struct BgMaxReference: Hashable, Sendable, Codable {
    /// What the reference is; on an extra reference record usually ``BgMaxReferenceCode/ocr``.
    public let code: BgMaxReferenceCode
    /// The reference without padding; empty when blank.
    public let text: String
    /// The amount as the record states it, never negative. Bankgirot's own sample files carry 0 on many extra
    /// references: the split of the payment over its references is then left to the receiver.
    public let amount: Money
    /// Whether the amount counts negatively: true for a negative extra reference (TK23) and for the main reference
    /// of a deduction (TK21).
    public let isNegative: Bool

    public init(
        code: BgMaxReferenceCode,
        text: String,
        amount: Money,
        isNegative: Bool
    ) {
        self.code = code
        self.text = text
        self.amount = amount
        self.isNegative = isNegative
    }

    /// The amount with its sign.
    public var signedAmount: Money {
        isNegative ? Money(minorUnits: -amount.amount, amount.currency) : amount
    }
}

/// Who paid, from the name (TK26), address (TK27, TK28) and organisation number (TK29) records. Fields the file
/// leaves blank are `nil`.
public struct BgMaxPayer: Hashable, Sendable, Codable {
    /// 26, positions 3–37.
    public let name: String?
    /// 26, positions 38–72.
    public let extraName: String?
    /// 27, positions 3–37.
    public let address: String?
    /// 27, positions 38–46.
    public let postcode: String?
    /// 28, positions 3–37.
    public let city: String?
    /// 28, positions 38–72.
    public let country: String?
    /// 28, positions 73–74.
    public let countryCode: String?
    /// 29, positions 3–14 as in the file, e.g. `"005500001234"`.
    public let organisationNumber: String?

    public init(
        name: String?,
        extraName: String?,
        address: String?,
        postcode: String?,
        city: String?,
        country: String?,
        countryCode: String?,
        organisationNumber: String?
    ) {
        self.name = name
        self.extraName = extraName
        self.address = address
        self.postcode = postcode
        self.city = city
        self.country = country
        self.countryCode = countryCode
        self.organisationNumber = organisationNumber
    }
}

/// The counts of the end record (TK70 Slutpost).
public struct BgMaxCounts: Hashable, Sendable, Codable {
    /// Payment records (20), positions 3–10.
    public let payments: Int
    /// Deduction records (21), positions 11–18.
    public let deductions: Int
    /// Extra reference records (22 and 23), positions 19–26.
    public let extraReferences: Int
    /// Deposit records (15), positions 27–34.
    public let deposits: Int

    public init(
        payments: Int,
        deductions: Int,
        extraReferences: Int,
        deposits: Int
    ) {
        self.payments = payments
        self.deductions = deductions
        self.extraReferences = extraReferences
        self.deposits = deposits
    }

    /// One of the four counts, to say which one does not match.
    public enum Kind: String, Hashable, Sendable, Codable, CustomStringConvertible {
        case payments, deductions, extraReferences, deposits

        public var description: String {
            switch self {
            case .payments: "payment records (20)"
            case .deductions: "deduction records (21)"
            case .extraReferences: "extra reference records (22/23)"
            case .deposits: "deposit records (15)"
            }
        }
    }

    /// The count of one kind.
    public subscript(kind: Kind) -> Int {
        switch kind {
        case .payments: payments
        case .deductions: deductions
        case .extraReferences: extraReferences
        case .deposits: deposits
        }
    }
}
