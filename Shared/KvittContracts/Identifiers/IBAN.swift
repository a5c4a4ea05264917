/// An International Bank Account Number (ISO 13616).
///
/// Rules (docs/domain.md §3.4; ISO 13616 and ISO 7064 MOD 97-10): two letters of country, two check digits
/// (02–98), then the country's BBAN; the whole, with the first four characters moved to the end and letters
/// replaced by 10–35, is 1 mod 97. The length is fixed per country (SWIFT IBAN registry); countries without a
/// length in ``lengths`` are refused rather than guessed. The BBAN's inner structure (bank code, account) is not
/// checked.
///
/// ``canonical`` is the electronic form without spaces, also the value on the wire; ``description`` is the print
/// form in groups of four: `SE45 5000 0000 0583 9825 7466`.
public struct IBAN: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The electronic form: upper case, no spaces.
    public let canonical: String

    /// Parses an IBAN in electronic or print form; spaces anywhere and lower-case letters are accepted.
    public init(parsing text: String) throws(IdentifierError) {
        let compact = String(text.filter { !$0.isWhitespace })
        // Checked before upper-casing, which would turn some non-ASCII letters (ß, ﬀ) into ASCII ones.
        guard compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidFormat("an IBAN has only letters, digits and spaces")
        }
        let characters = Array(compact.uppercased())
        guard characters.count >= 4, characters[0].isLetter, characters[1].isLetter else {
            throw .invalidFormat("an IBAN starts with a two-letter country code")
        }
        let country = String(characters[0..<2])
        guard let expected = Self.lengths[country] else { throw .unknownCountry(country) }
        guard characters.count == expected else {
            throw .invalidLength(expected: "\(expected) characters for \(country)", got: characters.count)
        }
        guard characters[2].isNumber, characters[3].isNumber else {
            throw .invalidFormat("an IBAN has two check digits after the country code")
        }
        // 00, 01 and 99 can satisfy mod 97 but are never issued (ISO 7064: check digits are 02–98).
        guard let checkDigits = Int(String(characters[2..<4])), (2...98).contains(checkDigits),
            Self.mod97(characters[4...] + characters[0..<4]) == 1
        else {
            throw .invalidCheckDigit
        }
        canonical = String(characters)
    }

    /// Builds the IBAN of a domestic account number, computing the check digits: `98 − (BBAN + country + "00")
    /// mod 97`. For Sweden the BBAN is the 3-digit bank code and the 17-digit account.
    public init(countryCode: String, bban: String) throws(IdentifierError) {
        let basic = String(bban.filter { !$0.isWhitespace })
        guard countryCode.count == 2, countryCode.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidFormat("a country code is two letters")
        }
        guard !basic.isEmpty, basic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidFormat("a BBAN has only letters and digits")
        }
        let country = countryCode.uppercased()
        guard Self.lengths[country] != nil else { throw .unknownCountry(country) }
        let check = 98 - Self.mod97((basic + country).uppercased() + "00")
        try self.init(parsing: country + (check < 10 ? "0" : "") + String(check) + basic)
    }

    /// The two-letter ISO 3166 country code.
    public var countryCode: String { String(canonical.prefix(2)) }
    /// The two check digits.
    public var checkDigits: String { String(canonical.dropFirst(2).prefix(2)) }
    /// The domestic account number part (Basic Bank Account Number).
    public var bban: String { String(canonical.dropFirst(4)) }

    /// The print form: groups of four separated by spaces.
    public var printFormat: String {
        var result = ""
        for (offset, character) in canonical.enumerated() {
            if offset > 0, offset % 4 == 0 { result.append(" ") }
            result.append(character)
        }
        return result
    }

    public var description: String { printFormat }

    /// IBAN lengths from the SWIFT IBAN registry: the Nordic and Baltic countries Kvitt's customers pay from and the
    /// rest of the EU/EEA, the UK and Switzerland.
    static let lengths: [String: Int] = [
        "SE": 24, "NO": 15, "DK": 18, "FI": 18, "IS": 26, "FO": 18, "GL": 18,
        "EE": 20, "LV": 21, "LT": 20,
        "DE": 22, "GB": 22, "FR": 27, "NL": 18, "BE": 16, "LU": 20, "IE": 22,
        "ES": 24, "PT": 25, "IT": 27, "MT": 31, "GR": 27, "CY": 28,
        "AT": 20, "CH": 21, "LI": 21, "PL": 28, "CZ": 24, "SK": 24, "HU": 28,
        "SI": 19, "HR": 21, "RO": 24, "BG": 22,
    ]

    /// The remainder mod 97 of the number formed by the characters, letters counting as 10–35. Digit by digit, so
    /// the 30-odd-digit number never has to fit in an integer.
    private static func mod97(_ characters: some Sequence<Character>) -> Int {
        var remainder = 0
        for character in characters {
            if let digit = character.wholeNumberValue {
                remainder = (remainder * 10 + digit) % 97
            } else if let ascii = character.asciiValue {
                remainder = (remainder * 100 + Int(ascii) - 55) % 97
            }
        }
        return remainder
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try IBAN(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IBAN: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}
