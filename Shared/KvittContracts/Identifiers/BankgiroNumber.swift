/// A Bankgirot account number (bankgironummer), the payee account that Swedish invoices print next to the OCR.
///
/// Rules (docs/domain.md §3.1): seven or eight digits, the last a Luhn (mod 10) check digit, written `NNN-NNNN` or
/// `NNNN-NNNN`. Seven-digit numbers in 900-000x – 904-999x are 90-konton of fundraising bodies under Svensk
/// Insamlingskontroll. ``description`` is the written form; on the wire it is the digits only: `"50501055"`.
public struct BankgiroNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The seven or eight digits without separator.
    public let canonical: String

    /// Parses a bankgiro number with or without the `-` before the last four digits.
    public init(parsing text: String) throws(IdentifierError) {
        guard let (digits, _) = IdentifierParsing.digitsAndSeparator(text, separators: ["-"]) else {
            throw .invalidFormat("a bankgiro number is NNN-NNNN or NNNN-NNNN")
        }
        guard digits.count == 7 || digits.count == 8 else {
            throw .invalidLength(expected: "7 or 8 digits", got: digits.count)
        }
        guard Luhn.isValid(digits) else { throw .invalidCheckDigit }
        canonical = IdentifierParsing.string(digits)
    }

    /// The written form, `NNN-NNNN` or `NNNN-NNNN`.
    public var formatted: String { "\(canonical.dropLast(4))-\(canonical.suffix(4))" }

    /// Whether this is a 90-konto (900-000x to 904-999x), the accounts of fundraising bodies.
    public var isNinetyAccount: Bool {
        canonical.count == 7 && Int(canonical.prefix(3)).map { (900...904).contains($0) } == true
    }

    public var description: String { formatted }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try BankgiroNumber(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a bankgiro number: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}
