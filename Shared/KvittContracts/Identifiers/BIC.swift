/// A Business Identifier Code (ISO 9362), the SWIFT address of a bank, e.g. `ESSESESS` for SEB.
///
/// Rules (docs/domain.md §3.5; ISO 9362): 8 or 11 characters: a 4-character institution code, a 2-letter country
/// code, a 2-character location code and an optional 3-character branch code (`XXX` is the head office). There is
/// no check digit. The institution code is accepted as letters or digits: ISO 9362:2014 made it alphanumeric,
/// although the codes in use are letters. The country code is checked to be two letters, not against ISO 3166.
///
/// ``canonical``, ``description`` and the value on the wire are the upper-case code as given; `ESSESESS` and
/// `ESSESESSXXX` name the same office but are different values.
public struct BIC: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code in upper case, 8 or 11 characters.
    public let canonical: String

    /// Parses a BIC; lower case is accepted, spaces inside the code are not.
    public init(parsing text: String) throws(IdentifierError) {
        let trimmed = IdentifierParsing.trimmed(text)
        // Checked before upper-casing, which would turn some non-ASCII letters (ß, ﬀ) into ASCII ones.
        guard trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidFormat("a BIC has only letters and digits")
        }
        let code = trimmed.uppercased()
        let characters = Array(code)
        guard characters.count == 8 || characters.count == 11 else {
            throw .invalidLength(expected: "8 or 11 characters", got: characters.count)
        }
        guard characters[4].isLetter, characters[5].isLetter else {
            throw .invalidFormat("characters 5–6 of a BIC are a country code of two letters")
        }
        canonical = code
    }

    /// The four-character institution (bank) code, e.g. `ESSE`.
    public var institutionCode: String { String(canonical.prefix(4)) }
    /// The ISO 3166 country code, e.g. `SE`.
    public var countryCode: String { String(canonical.dropFirst(4).prefix(2)) }
    /// The two-character location code, e.g. `SS`.
    public var locationCode: String { String(canonical.dropFirst(6).prefix(2)) }
    /// The three-character branch code, or `nil` for an eight-character BIC.
    public var branchCode: String? { canonical.count == 11 ? String(canonical.suffix(3)) : nil }

    public var description: String { canonical }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try BIC(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a BIC: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}
