/// Parses Bankgirot "Bankgiro Inbetalningar" files (BgMax), layout and codes per docs/domain.md §2.
///
/// The parser is strict about content and tolerant about form. It refuses a file that does not add up: a record out
/// of order, a layout name other than `BGMAX`, a version it does not know, a deposit whose total or payment count
/// differs from its records, end-record counts that differ from the file. It accepts CRLF, LF, CR or no line breaks,
/// missing trailing blanks, tabs, blank lines and a trailing end-of-file character.
///
/// A record of a numeric type the layout does not define is skipped and listed in ``BgMaxFile/skippedRecords``, as
/// Bankgirot's manual tells a receiver to ignore the records it does not use (docs/domain.md §2.1); a record type
/// that is not two digits is refused. The file's encoding is detected (``BgMaxEncoding``): ISO-8859-1 as the manual
/// specifies, or UTF-8 when the bytes are valid UTF-8 with multibyte sequences (a file re-encoded on the way), so that
/// no field shifts by the extra bytes of `å`, `ä` or `ö`.
///
/// Deposit arithmetic (§2.3, verified on Bankgirot's sample files): the deposit record's total is the sum of the
/// payment records (20) less the sum of the deduction records (21), and its count is the number of 20 and 21
/// records. Extra references (22 positive, 23 negative) do not count: they split the amount of their payment over
/// several references, and often carry 0.
public enum BgMaxParser {
    /// The layout versions (start record positions 23–24) the parser reads.
    public static let supportedVersions = ["01"]

    /// Parses a whole file, given as its bytes: ISO-8859-1, or UTF-8 (``BgMaxEncoding/detect(_:)``).
    public static func parse(_ bytes: [UInt8]) throws(BgMaxError) -> BgMaxFile {
        let (latin1, encoding) = try BgMaxEncoding.detect(bytes)
        var state = ParseState()
        for record in try BgMaxRecord.split(latin1) {
            try state.consume(record)
        }
        return try state.finish(encoding: encoding)
    }
}

/// How a BgMax file's characters were encoded.
public enum BgMaxEncoding: String, Hashable, Sendable, Codable, CustomStringConvertible {
    /// ISO-8859-1, one byte per character, as Bankgirot writes the file (docs/domain.md §2.1).
    case latin1 = "ISO-8859-1"
    /// UTF-8: the file was re-encoded after Bankgirot wrote it.
    case utf8 = "UTF-8"

    public var description: String { rawValue }

    /// The file as ISO-8859-1 bytes and the encoding it came in.
    ///
    /// Bytes that are valid UTF-8 and hold at least one multibyte sequence (or start with a UTF-8 byte-order mark) are
    /// UTF-8: read as ISO-8859-1 they would turn `å` into `Ã¥` and shift every later field of the record. Any other
    /// bytes are ISO-8859-1, where every byte is a character. A UTF-8 file with a character ISO-8859-1 does not have
    /// is refused: its record could not keep the layout's positions.
    public static func detect(_ bytes: [UInt8]) throws(BgMaxError) -> (latin1: [UInt8], encoding: BgMaxEncoding) {
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let hasMark = bytes.starts(with: byteOrderMark)
        let body = hasMark ? Array(bytes.dropFirst(3)) : bytes
        guard hasMark || body.contains(where: { $0 >= 0x80 }) else { return (body, .latin1) }
        guard let text = String(validating: body, as: UTF8.self) else {
            if hasMark {
                throw .invalidEncoding(line: 1, reason: "the file starts with a UTF-8 byte-order mark but is not UTF-8")
            }
            return (body, .latin1)
        }
        var latin1: [UInt8] = []
        latin1.reserveCapacity(body.count)
        var line = 1
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else {
                throw .invalidEncoding(
                    line: line,
                    reason: "the UTF-8 file holds '\(scalar)' (U+\(String(scalar.value, radix: 16, uppercase: true))), "
                        + "which ISO-8859-1 does not have"
                )
            }
            if scalar == "\n" { line += 1 }
            latin1.append(UInt8(scalar.value))
        }
        return (latin1, .utf8)
    }
}

/// The record types of the layout.
private let knownRecordTypes: Set<String> = [
    "01", "05", "20", "21", "22", "23", "25", "26", "27", "28", "29", "15", "70",
]

/// A deposit between its opening record (05) and its deposit record (15).
private struct OpenDeposit {
    let line: Int
    let payeeBankgiro: String
    let payeePlusgiro: String?
    let currency: Currency
    var payments: [BgMaxPayment] = []
}

/// A payment or deduction while the records that attach to it are read.
private struct OpenPayment {
    let kind: BgMaxPaymentKind
    let senderBankgiro: String?
    var references: [BgMaxReference]
    let amount: Money
    let referenceCode: BgMaxReferenceCode
    let channel: BgMaxPaymentChannel
    let serialNumber: String
    let imageMarker: BgMaxImageMarker
    let deductionCode: BgMaxDeductionCode?
    var informationTexts: [String] = []
    var payerRecords: Set<String> = []
    var name: String?
    var extraName: String?
    var address: String?
    var postcode: String?
    var city: String?
    var country: String?
    var countryCode: String?
    var organisationNumber: String?

    var payment: BgMaxPayment {
        BgMaxPayment(
            kind: kind,
            senderBankgiro: senderBankgiro,
            references: references,
            amount: amount,
            referenceCode: referenceCode,
            channel: channel,
            serialNumber: serialNumber,
            imageMarker: imageMarker,
            deductionCode: deductionCode,
            informationTexts: informationTexts,
            payer: payerRecords.isEmpty
                ? nil
                : BgMaxPayer(
                    name: name,
                    extraName: extraName,
                    address: address,
                    postcode: postcode,
                    city: city,
                    country: country,
                    countryCode: countryCode,
                    organisationNumber: organisationNumber
                )
        )
    }
}

/// Reads records one by one and checks their order and sums.
private struct ParseState {
    private enum Position { case start, betweenDeposits, inDeposit, ended }

    private var position = Position.start
    private var header: BgMaxHeader?
    private var deposits: [BgMaxDeposit] = []
    private var deposit: OpenDeposit?
    private var payment: OpenPayment?
    private var seen: [BgMaxCounts.Kind: Int] = [:]
    private var counts: BgMaxCounts?
    private var lastLine: Int?
    /// Records of types the layout does not define, skipped.
    private var skipped: [BgMaxSkippedRecord] = []
    /// The deposits' totals so far, per currency: checked so that summing a whole file never overflows.
    private var fileTotals: [Currency: Money] = [:]

    mutating func consume(_ record: BgMaxRecord) throws(BgMaxError) {
        let type = record.type
        let line = record.line
        lastLine = line
        guard knownRecordTypes.contains(type) else {
            // The manual: ignore the record types you do not use. Only a numeric type is a record type at all, and
            // the start record must still come first.
            guard type.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                position == .betweenDeposits
                    || position == .inDeposit
            else { throw .unknownRecordType(line: line, type: type) }
            skipped.append(BgMaxSkippedRecord(line: line, type: type))
            return
        }
        guard position != .ended else {
            throw .recordOutOfOrder(line: line, type: type, reason: "nothing may follow the end record (70)")
        }
        guard position != .start || type == "01" else {
            throw .recordOutOfOrder(line: line, type: type, reason: "a file must begin with a start record (01)")
        }
        switch type {
        case "01":
            guard position == .start else {
                throw .recordOutOfOrder(line: line, type: type, reason: "a file has one start record (01), first")
            }
            header = try Self.header(record)
            position = .betweenDeposits
        case "05":
            try requireNoOpenDeposit(record)
            deposit = try Self.openDeposit(record)
            position = .inDeposit
        case "20", "21":
            guard let currency = deposit?.currency else {
                throw .recordOutOfOrder(
                    line: line,
                    type: type,
                    reason: "a payment (20) or deduction (21) must be inside a deposit, after an opening record (05)"
                )
            }
            closePayment()
            payment = try Self.openPayment(record, currency: currency)
            seen[type == "20" ? .payments : .deductions, default: 0] += 1
        case "15":
            guard deposit != nil else {
                throw .recordOutOfOrder(
                    line: line,
                    type: type,
                    reason: "a deposit record (15) must close a deposit opened by an opening record (05)"
                )
            }
            closePayment()
            try closeDeposit(record)
            seen[.deposits, default: 0] += 1
            position = .betweenDeposits
        case "70":
            try requireNoOpenDeposit(record)
            try end(record)
            position = .ended
        default:
            try attachToPayment(record)
        }
    }

    func finish(encoding: BgMaxEncoding) throws(BgMaxError) -> BgMaxFile {
        guard let lastLine else { throw .emptyFile }
        guard position == .ended, let header, let counts else { throw .missingEndRecord(line: lastLine) }
        return BgMaxFile(
            header: header,
            deposits: deposits,
            counts: counts,
            skippedRecords: skipped,
            encoding: encoding
        )
    }

    private func requireNoOpenDeposit(_ record: BgMaxRecord) throws(BgMaxError) {
        guard let deposit else { return }
        throw .recordOutOfOrder(
            line: record.line,
            type: record.type,
            reason: "the deposit opened on line \(deposit.line) is not closed by a deposit record (15)"
        )
    }

    private mutating func closePayment() {
        guard let payment else { return }
        deposit?.payments.append(payment.payment)
        self.payment = nil
    }

    // MARK: - Records 22, 23, 25–29

    private mutating func attachToPayment(_ record: BgMaxRecord) throws(BgMaxError) {
        let type = record.type
        guard var open = payment else {
            throw .recordOutOfOrder(
                line: record.line,
                type: type,
                reason: "a \(type) record must follow a payment (20) or deduction (21)"
            )
        }
        switch type {
        case "22", "23":
            open.references.append(
                BgMaxReference(
                    code: try Field.code(record, 56, "reference code"),
                    text: record.text(13, 37),
                    amount: try Field.amount(record, 38, 55, "extra reference amount", open.amount.currency),
                    isNegative: type == "23"
                )
            )
            seen[.extraReferences, default: 0] += 1
        case "25":
            let text = record.text(3, 52)
            if !text.isEmpty { open.informationTexts.append(text) }
        default:
            guard open.payerRecords.insert(type).inserted else {
                throw .duplicateRecord(line: record.line, type: type)
            }
            switch type {
            case "26":
                open.name = Field.optionalText(record, 3, 37)
                open.extraName = Field.optionalText(record, 38, 72)
            case "27":
                open.address = Field.optionalText(record, 3, 37)
                open.postcode = Field.optionalText(record, 38, 46)
            case "28":
                open.city = Field.optionalText(record, 3, 37)
                open.country = Field.optionalText(record, 38, 72)
                open.countryCode = Field.optionalText(record, 73, 74)
            default:
                open.organisationNumber = Field.optionalText(record, 3, 14)
            }
        }
        payment = open
    }

    // MARK: - Record 01

    private static func header(_ record: BgMaxRecord) throws(BgMaxError) -> BgMaxHeader {
        let layout = record.text(3, 22)
        guard layout == "BGMAX" else { throw .invalidLayoutName(line: record.line, found: layout) }
        let version = record.text(23, 24)
        guard BgMaxParser.supportedVersions.contains(version) else {
            throw .unsupportedVersion(line: record.line, found: version)
        }
        let isTest: Bool
        switch record.raw(45, 45) {
        case "T": isTest = true
        case "P": isTest = false
        case let marker:
            throw .invalidField(
                line: record.line,
                field: "test marker (position 45)",
                value: marker,
                reason: "expected T (test) or P (production)"
            )
        }
        return BgMaxHeader(version: version, timestamp: try timestamp(record), isTest: isTest)
    }

    private static func timestamp(_ record: BgMaxRecord) throws(BgMaxError) -> BgMaxTimestamp {
        let text = record.raw(25, 44)
        let invalid = BgMaxError.invalidField(
            line: record.line,
            field: "write time (positions 25–44)",
            value: text,
            reason: "expected YYYYMMDDHHMMSS and six digits of microseconds"
        )
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { throw invalid }
        let digits = Array(text.utf8).map { Int($0 - 0x30) }
        func number(_ offset: Int, _ count: Int) -> Int {
            digits[offset..<(offset + count)].reduce(0) { $0 * 10 + $1 }
        }
        guard let date = CalendarDate(year: number(0, 4), month: number(4, 2), day: number(6, 2)),
            number(8, 2) < 24, number(10, 2) < 60, number(12, 2) < 60
        else { throw invalid }
        guard CalendarDate.supportedRange.contains(date) else {
            throw .invalidField(
                line: record.line,
                field: "write time (positions 25–44)",
                value: text,
                reason: "\(CalendarDateError.outsideSupportedRange)"
            )
        }
        return BgMaxTimestamp(
            text: text,
            date: date,
            hour: number(8, 2),
            minute: number(10, 2),
            second: number(12, 2),
            microsecond: number(14, 6)
        )
    }

    // MARK: - Records 05, 20, 21

    private static func openDeposit(_ record: BgMaxRecord) throws(BgMaxError) -> OpenDeposit {
        guard let payee = try Field.giroNumber(record, 3, 12, "payee bankgiro number") else {
            throw .invalidField(
                line: record.line,
                field: "payee bankgiro number (positions 3–12)",
                value: record.raw(3, 12),
                reason: "the receiving bankgiro number is missing"
            )
        }
        return OpenDeposit(
            line: record.line,
            payeeBankgiro: payee,
            payeePlusgiro: try Field.giroNumber(record, 13, 22, "payee plusgiro number"),
            currency: try Field.currency(record, 23, 25)
        )
    }

    private static func openPayment(_ record: BgMaxRecord, currency: Currency) throws(BgMaxError) -> OpenPayment {
        let kind: BgMaxPaymentKind = record.type == "20" ? .payment : .deduction
        let amount = try Field.amount(record, 38, 55, "\(kind) amount", currency)
        let referenceCode: BgMaxReferenceCode = try Field.code(record, 56, "reference code")
        let serialNumber = record.text(58, 69)
        guard !serialNumber.isEmpty else {
            throw .invalidField(
                line: record.line,
                field: "BGC serial number (positions 58–69)",
                value: serialNumber,
                reason: "the serial number is missing"
            )
        }
        return OpenPayment(
            kind: kind,
            senderBankgiro: try Field.giroNumber(record, 3, 12, "sender bankgiro number"),
            references: [
                BgMaxReference(
                    code: referenceCode,
                    text: record.text(13, 37),
                    amount: amount,
                    isNegative: kind == .deduction
                )
            ],
            amount: amount,
            referenceCode: referenceCode,
            channel: try Field.code(record, 57, "payment channel code"),
            serialNumber: serialNumber,
            imageMarker: try Field.code(record, 70, "image marker"),
            deductionCode: kind == .deduction ? try Field.code(record, 71, "deduction code") : nil
        )
    }

    // MARK: - Record 15

    private mutating func closeDeposit(_ record: BgMaxRecord) throws(BgMaxError) {
        guard let open = deposit else { return }
        let line = record.line
        let account = try Field.digits(record, 3, 37, "payee bank account")
        let date = try Field.date(record, 38, 45, "payment date")
        let serial = try Field.digits(record, 46, 50, "deposit serial number")
        let currencyCode = record.text(69, 71)
        guard currencyCode == open.currency.code else {
            throw .currencyMismatch(line: line, opening: open.currency.code, deposit: currencyCode)
        }
        let total = try Field.amount(record, 51, 68, "deposit amount", open.currency)
        let statedCount = try Field.count(record, 72, 79, "number of payments")
        guard statedCount == open.payments.count else {
            throw .depositCountMismatch(line: line, expected: statedCount, found: open.payments.count)
        }
        var sum = Money.zero(open.currency)
        for payment in open.payments {
            do {
                sum = try sum.adding(payment.signedAmount)
            } catch {
                throw .amountOverflow(line: line)
            }
        }
        guard sum == total else { throw .depositTotalMismatch(line: line, expected: total, found: sum) }
        do {
            fileTotals[open.currency] = try (fileTotals[open.currency] ?? .zero(open.currency)).adding(total)
        } catch {
            throw .amountOverflow(line: line)
        }
        deposits.append(
            BgMaxDeposit(
                payeeBankgiro: open.payeeBankgiro,
                payeePlusgiro: open.payeePlusgiro,
                currency: open.currency,
                payeeBankAccount: Field.withoutLeadingZeros(account),
                paymentDate: date,
                depositSerialNumber: serial,
                total: total,
                depositType: Field.optionalText(record, 80, 80),
                payments: open.payments
            )
        )
        deposit = nil
    }

    // MARK: - Record 70

    private mutating func end(_ record: BgMaxRecord) throws(BgMaxError) {
        let stated = BgMaxCounts(
            payments: try Field.count(record, 3, 10, "number of payment records"),
            deductions: try Field.count(record, 11, 18, "number of deduction records"),
            extraReferences: try Field.count(record, 19, 26, "number of extra reference records"),
            deposits: try Field.count(record, 27, 34, "number of deposit records")
        )
        for kind in [BgMaxCounts.Kind.payments, .deductions, .extraReferences, .deposits] {
            let found = seen[kind, default: 0]
            guard stated[kind] == found else {
                throw .endCountMismatch(line: record.line, kind: kind, expected: stated[kind], found: found)
            }
        }
        counts = stated
    }
}

/// Readers for the field formats of the layout.
private enum Field {
    static func optionalText(_ record: BgMaxRecord, _ first: Int, _ last: Int) -> String? {
        let text = record.text(first, last)
        return text.isEmpty ? nil : text
    }

    /// A numeric field: digits, blanks around them allowed.
    static func digits(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String) throws(BgMaxError)
        -> String
    {
        let text = record.text(first, last)
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .invalidField(
                line: record.line,
                field: "\(name) (\(positions(first, last)))",
                value: record.raw(first, last),
                reason: "expected digits"
            )
        }
        return text
    }

    /// A count of records (at most 8 digits).
    static func count(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String) throws(BgMaxError) -> Int {
        guard let count = Int(try digits(record, first, last, name)) else {
            throw invalid(record, first, last, name, "not a count")
        }
        return count
    }

    /// An amount in minor units (at most 18 digits, so it fits in 64 bits and within ``MinorUnits/bound``).
    static func amount(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String, _ currency: Currency)
        throws(BgMaxError) -> Money
    {
        guard let amount = Int64(try digits(record, first, last, name)) else {
            throw invalid(record, first, last, name, "not an amount in minor units")
        }
        return Money(minorUnits: amount, currency)
    }

    /// A date `YYYYMMDD` within ``CalendarDate/supportedRange``.
    static func date(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String) throws(BgMaxError)
        -> CalendarDate
    {
        let digits = Array(try digits(record, first, last, name).utf8).map { Int($0 - 0x30) }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        guard digits.count == 8, let date = CalendarDate(year: number(0..<4), month: number(4..<6), day: number(6..<8))
        else { throw invalid(record, first, last, name, "expected a date YYYYMMDD") }
        guard CalendarDate.supportedRange.contains(date) else {
            throw invalid(record, first, last, name, "\(CalendarDateError.outsideSupportedRange)")
        }
        return date
    }

    private static func invalid(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String, _ reason: String)
        -> BgMaxError
    {
        .invalidField(
            line: record.line,
            field: "\(name) (\(positions(first, last)))",
            value: record.raw(first, last),
            reason: reason
        )
    }

    /// A bankgiro or plusgiro number without its zero fill; `nil` when blank or zero.
    static func giroNumber(_ record: BgMaxRecord, _ first: Int, _ last: Int, _ name: String) throws(BgMaxError)
        -> String?
    {
        guard !record.text(first, last).isEmpty else { return nil }
        let number = withoutLeadingZeros(try digits(record, first, last, name))
        return number.isEmpty ? nil : number
    }

    static func currency(_ record: BgMaxRecord, _ first: Int, _ last: Int) throws(BgMaxError) -> Currency {
        let code = record.text(first, last)
        guard let currency = Currency(code: code) else {
            throw .invalidField(
                line: record.line,
                field: "currency (\(positions(first, last)))",
                value: code,
                reason: "not an ISO 4217 currency code"
            )
        }
        return currency
    }

    /// A one-digit code.
    static func code<Code: RawRepresentable<Int>>(_ record: BgMaxRecord, _ position: Int, _ name: String)
        throws(BgMaxError) -> Code
    {
        let text = record.raw(position, position)
        guard let digit = Int(text), let code = Code(rawValue: digit) else {
            throw .invalidField(
                line: record.line,
                field: "\(name) (position \(position))",
                value: text,
                reason: "not a code of the layout"
            )
        }
        return code
    }

    static func withoutLeadingZeros(_ digits: String) -> String {
        String(digits.drop { $0 == "0" })
    }

    private static func positions(_ first: Int, _ last: Int) -> String {
        first == last ? "position \(first)" : "positions \(first)–\(last)"
    }
}
