/// A Bankgirot OCR reference: the payment reference Kvitt prints on an invoice so that the incoming payment can be
/// matched automatically.
///
/// Rules (docs/domain.md §1.1–1.4; Bankgirot's OCR page and validator, banktools-se): 2–25 digits, the last a
/// Luhn (mod 10) check digit. Under ``OCRControlLevel/variableLength`` the second-to-last digit is a length digit,
/// the total length including both control digits mod 10 (12 digits → `2`), and it is part of the Luhn
/// calculation. A value of this type always has a valid check digit; ``isValid(for:)`` checks what a control level
/// adds. ``description`` and the value on the wire are the digits: `"12351"`.
public struct OCRReference: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The digits, check digit last.
    public let canonical: String

    /// The length limits Bankgirot's validator enforces for every control level.
    public static let lengthRange = 2...25

    /// Parses a reference and checks it against a control level. Surrounding whitespace is ignored; any other
    /// non-digit is refused, as the internet banks do.
    ///
    /// ``OCRControlLevel/soft`` checks the same as ``OCRControlLevel/hard``: a soft agreement lets a payer pay with
    /// a wrong check digit, but such a reference is still not a valid OCR and cannot be matched as one.
    public init(parsing text: String, level: OCRControlLevel = .hard) throws(IdentifierError) {
        let trimmed = IdentifierParsing.trimmed(text)
        guard trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidFormat("an OCR reference has only digits")
        }
        guard Self.lengthRange.contains(trimmed.count) else {
            throw .invalidLength(expected: "2–25 digits", got: trimmed.count)
        }
        guard Luhn.isValid(IdentifierParsing.digits(trimmed)) else { throw .invalidCheckDigit }
        let reference = OCRReference(unchecked: trimmed)
        try reference.check(level)
        self = reference
    }

    /// Builds a reference from base digits (customer number, invoice number, …): appends the length digit when
    /// asked, then the check digit. `"123"` gives `1230`, with the length digit `12351`.
    public static func make(from base: String, lengthDigit: Bool) throws(IdentifierError) -> OCRReference {
        let digits = try baseDigits(base)
        let controlDigits = lengthDigit ? 2 : 1
        guard digits.count + controlDigits <= lengthRange.upperBound else {
            let limit = lengthRange.upperBound - controlDigits
            throw .invalidLength(expected: "at most \(limit) base digits", got: digits.count)
        }
        return withCheckDigit(lengthDigit ? digits + [(digits.count + 2) % 10] : digits)
    }

    /// Builds a reference that passes `level`: a check digit only for ``OCRControlLevel/soft`` and
    /// ``OCRControlLevel/hard``; a length digit and a check digit for ``OCRControlLevel/variableLength``; for
    /// ``OCRControlLevel/fixedLength(_:or:)``, the base padded with leading zeros to the shortest agreed length it
    /// fits in, and a check digit.
    public static func make(from base: String, for level: OCRControlLevel) throws(IdentifierError) -> OCRReference {
        switch level {
        case .soft, .hard: return try make(from: base, lengthDigit: false)
        case .variableLength: return try make(from: base, lengthDigit: true)
        case .fixedLength:
            let digits = try baseDigits(base)
            let lengths = level.fixedLengths.filter { lengthRange.contains($0) }
            guard let length = lengths.first(where: { $0 >= digits.count + 1 }) else {
                let longest = (lengths.last ?? 1) - 1
                throw .invalidLength(expected: "at most \(max(longest, 0)) base digits", got: digits.count)
            }
            return withCheckDigit(Array(repeating: 0, count: length - 1 - digits.count) + digits)
        }
    }

    /// Whether the reference passes everything `level` checks. Soft and hard hold for every value, whose check
    /// digit is always valid.
    public func isValid(for level: OCRControlLevel) -> Bool {
        do {
            try check(level)
            return true
        } catch {
            return false
        }
    }

    /// Whether the second-to-last digit equals the total length mod 10, as a variable-length agreement requires.
    /// It can also hold by chance for a reference made without a length digit.
    public var hasValidLengthDigit: Bool {
        let digits = IdentifierParsing.digits(canonical)
        return digits[digits.count - 2] == digits.count % 10
    }

    public var description: String { canonical }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try OCRReference(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an OCR reference: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }

    private init(unchecked digits: String) {
        canonical = digits
    }

    /// What `level` checks beyond the format and the check digit, which every value already has.
    private func check(_ level: OCRControlLevel) throws(IdentifierError) {
        switch level {
        case .soft, .hard: return
        case .variableLength:
            guard hasValidLengthDigit else { throw .invalidLengthDigit }
        case .fixedLength:
            let lengths = level.fixedLengths
            guard lengths.contains(canonical.count) else {
                let agreed = lengths.map(String.init).joined(separator: " or ")
                throw .invalidLength(expected: "\(agreed) digits", got: canonical.count)
            }
        }
    }

    private static func baseDigits(_ base: String) throws(IdentifierError) -> [Int] {
        guard !base.isEmpty, base.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidFormat("the base of an OCR reference is one or more digits")
        }
        return IdentifierParsing.digits(base)
    }

    private static func withCheckDigit(_ payload: [Int]) -> OCRReference {
        OCRReference(unchecked: IdentifierParsing.string(payload + [Luhn.checkDigit(for: payload)]))
    }
}
