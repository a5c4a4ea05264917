/// Why a BgMax file was refused. Every case but ``emptyFile`` names the line of the record at fault: the line
/// number in the file (blank lines count), or the record's position when the file has no line breaks.
/// ``description`` gives the line and the reason in words for an operator.
public enum BgMaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file has no records.
    case emptyFile
    /// A line holds more than 80 characters that are not trailing blanks.
    case recordTooLong(line: Int, length: Int)
    /// The first two characters are not a record type: not two digits, or a type other than the start record (01)
    /// first. (A numeric type the layout does not define is skipped, ``BgMaxFile/skippedRecords``.)
    case unknownRecordType(line: Int, type: String)
    /// The bytes cannot be read as ISO-8859-1 or UTF-8 text that keeps the layout's positions.
    case invalidEncoding(line: Int, reason: String)
    /// The start record's layout name (positions 3–22) is not `BGMAX`.
    case invalidLayoutName(line: Int, found: String)
    /// The start record's version (positions 23–24) is not one of ``BgMaxParser/supportedVersions``.
    case unsupportedVersion(line: Int, found: String)
    /// A field does not hold what its layout allows.
    case invalidField(line: Int, field: String, value: String, reason: String)
    /// A record stands where the layout does not allow it.
    case recordOutOfOrder(line: Int, type: String, reason: String)
    /// A payment has two records of a type it may have only once (26, 27, 28, 29).
    case duplicateRecord(line: Int, type: String)
    /// The file ends without an end record (70); `line` is the last record's.
    case missingEndRecord(line: Int)
    /// The deposit record's currency differs from its opening record's.
    case currencyMismatch(line: Int, opening: String, deposit: String)
    /// The deposit record (15) states a total that is not the sum of its payments less its deductions.
    case depositTotalMismatch(line: Int, expected: Money, found: Money)
    /// The deposit record (15) states a number of payments other than the payment and deduction records it closes.
    case depositCountMismatch(line: Int, expected: Int, found: Int)
    /// A count of the end record (70) differs from the number of such records in the file.
    case endCountMismatch(line: Int, kind: BgMaxCounts.Kind, expected: Int, found: Int)
    /// A sum of amounts does not fit in 64 bits of minor units: a deposit's payments, or a file's deposits in one
    /// currency (`line` is the deposit record that tipped it over).
    case amountOverflow(line: Int)

    /// The line of the record at fault; `nil` for an empty file.
    public var line: Int? {
        switch self {
        case .emptyFile: nil
        case .recordTooLong(let line, _), .unknownRecordType(let line, _), .invalidLayoutName(let line, _),
            .unsupportedVersion(let line, _), .invalidField(let line, _, _, _), .recordOutOfOrder(let line, _, _),
            .duplicateRecord(let line, _), .missingEndRecord(let line), .currencyMismatch(let line, _, _),
            .depositTotalMismatch(let line, _, _), .depositCountMismatch(let line, _, _),
            .endCountMismatch(let line, _, _, _), .amountOverflow(let line), .invalidEncoding(let line, _):
            line
        }
    }

    public var description: String {
        guard let line else { return "the file holds no BgMax records" }
        return "line \(line): \(reason)"
    }

    /// The reason without the line number.
    public var reason: String {
        switch self {
        case .emptyFile:
            return "the file holds no BgMax records"
        case .recordTooLong(_, let length):
            return "the record is \(length) characters long, a BgMax record has 80"
        case .unknownRecordType(_, let type):
            return "unknown record type '\(type)'; BgMax has 01, 05, 20–23, 25–29, 15 and 70"
        case .invalidLayoutName(_, let found):
            return "the start record names layout '\(found)', expected 'BGMAX'"
        case .unsupportedVersion(_, let found):
            let supported = BgMaxParser.supportedVersions.map { "'\($0)'" }.joined(separator: ", ")
            return "BgMax version '\(found)' is not supported (supported: \(supported))"
        case .invalidField(_, let field, let value, let reason):
            return "\(field) '\(value)' is invalid: \(reason)"
        case .recordOutOfOrder(_, let type, let reason):
            return "record \(type) is out of order: \(reason)"
        case .duplicateRecord(_, let type):
            return "a payment may have only one \(type) record"
        case .missingEndRecord:
            return "the file ends without an end record (70)"
        case .currencyMismatch(_, let opening, let deposit):
            return "the deposit record's currency '\(deposit)' differs from the opening record's '\(opening)'"
        case .depositTotalMismatch(_, let expected, let found):
            return "the deposit record states a total of \(expected), but its payments (20) less its deductions (21) "
                + "sum to \(found)"
        case .depositCountMismatch(_, let expected, let found):
            return "the deposit record states \(expected) payments, but it closes \(found) payment (20) and "
                + "deduction (21) records"
        case .endCountMismatch(_, let kind, let expected, let found):
            return "the end record counts \(expected) \(kind), but the file holds \(found)"
        case .amountOverflow:
            return "the amounts sum to more than 64 bits of minor units"
        case .invalidEncoding(_, let reason):
            return "the file's encoding: \(reason)"
        }
    }
}
