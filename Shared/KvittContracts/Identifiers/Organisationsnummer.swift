/// A Swedish organisationsnummer of a legal entity (aktiebolag, förening, kommun, handelsbolag, …).
///
/// Rules (docs/domain.md §6.3; Bolagsverket practice as summarised there): ten digits `NNNNNN-NNNN`, the last a
/// Luhn check digit; the third digit is 2 or more so that digits 3–4 can never be read as a month, which keeps the
/// number apart from a personnummer. The twelve-digit form prefixes `16`. A sole trader (enskild firma) has no
/// organisationsnummer of its own and uses the owner's personnummer; see ``SwedishIdentity``.
///
/// Organisation numbers are public, so ``description`` shows the whole number. On the wire it is the ten digits
/// without separator: `"5560360793"`.
public struct Organisationsnummer: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The ten digits without separator.
    public let canonical: String

    /// Parses `NNNNNN-NNNN`, `NNNNNNNNNN` or the twelve-digit form `16NNNNNNNNNN`.
    public init(parsing text: String) throws(IdentifierError) {
        guard let (digits, _) = IdentifierParsing.digitsAndSeparator(text, separators: ["-"]) else {
            throw .invalidFormat("an organisationsnummer is NNNNNN-NNNN, optionally prefixed with 16")
        }
        guard digits.count == 10 || digits.count == 12 else {
            throw .invalidLength(expected: "10 digits, or 12 with the prefix 16", got: digits.count)
        }
        // 18, 19 and 20 prefix a personnummer in the same twelve-digit field; only 16 means a legal entity.
        guard digits.count == 10 || digits.prefix(2) == [1, 6] else {
            throw .invalidFormat("a 12-digit organisationsnummer starts with 16")
        }
        let ten = Array(digits.suffix(10))
        guard ten[2] >= 2 else {
            throw .invalidFormat("the third digit of an organisationsnummer is 2 or more; lower is a personnummer")
        }
        guard Luhn.isValid(ten) else { throw .invalidCheckDigit }
        canonical = IdentifierParsing.string(ten)
    }

    /// The usual written form `NNNNNN-NNNN`.
    public var formatted: String { "\(canonical.prefix(6))-\(canonical.suffix(4))" }

    /// `16` and the ten digits: the form Skatteverket's files use for legal persons.
    public var twelveDigitForm: String { "16" + canonical }

    /// The first digit, the kind of entity: 1 estate of a deceased person, 2 state, region, municipality or
    /// parish, 3 foreign company, 5 aktiebolag, 6 enkelt bolag, 7 ekonomisk förening, 8 ideell förening or
    /// stiftelse, 9 handelsbolag or kommanditbolag.
    public var groupNumber: Int { canonical.first?.wholeNumberValue ?? 0 }

    /// The Swedish VAT registration number, `SE` + the ten digits + `01` (docs/domain.md §6.3).
    public var vatNumber: String { "SE\(canonical)01" }

    public var description: String { formatted }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Organisationsnummer(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an organisationsnummer: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}
