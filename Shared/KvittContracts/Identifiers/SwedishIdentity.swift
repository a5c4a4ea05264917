import Foundation

/// The identity of a Swedish customer or payer: a natural person (including a sole trader, who trades under their
/// personnummer) or a legal entity.
///
/// The two kinds never overlap (docs/domain.md §6.3): in the ten-digit form a personnummer's digits 3–4 are a
/// month (01–12) and an organisationsnummer's are 20 or more; in the twelve-digit form a legal entity has the prefix
/// `16` and a person a century (18, 19, 20). On the wire it is the underlying number's canonical string, twelve
/// digits for a person and ten for an organisation.
public enum SwedishIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A personnummer or samordningsnummer.
    case person(Personnummer)
    /// An organisationsnummer.
    case organisation(Organisationsnummer)

    /// Parses either kind, choosing by the shape of the number so that the error names what is wrong with the kind
    /// it looks like. `referenceDate` resolves the century of a ten-digit personnummer, as in
    /// ``Personnummer/init(parsing:referenceDate:)``.
    public init(parsing text: String, referenceDate: Date = Date()) throws(IdentifierError) {
        if Self.looksLikeOrganisation(text) {
            self = .organisation(try Organisationsnummer(parsing: text))
        } else {
            self = .person(try Personnummer(parsing: text, referenceDate: referenceDate))
        }
    }

    /// The twelve-digit form Skatteverket and BgMax use for both kinds: the personnummer with its century, or `16`
    /// and the organisationsnummer.
    public var twelveDigitForm: String {
        switch self {
        case .person(let personnummer): personnummer.canonical
        case .organisation(let organisationsnummer): organisationsnummer.twelveDigitForm
        }
    }

    /// The masked personnummer or the full organisationsnummer.
    public var description: String {
        switch self {
        case .person(let personnummer): personnummer.description
        case .organisation(let organisationsnummer): organisationsnummer.description
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do throws(IdentifierError) {
            if Self.looksLikeOrganisation(text) {
                self = .organisation(try Organisationsnummer(parsing: text))
            } else {
                self = .person(try Personnummer.parsingTwelveDigits(text))
            }
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a Swedish identity number: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .person(let personnummer): try container.encode(personnummer)
        case .organisation(let organisationsnummer): try container.encode(organisationsnummer)
        }
    }

    /// Whether the digits have an organisationsnummer's shape: twelve starting with `16`, or ten with a third digit
    /// of 2 or more. Anything else, including malformed input, goes to the personnummer parser.
    private static func looksLikeOrganisation(_ text: String) -> Bool {
        let digits = text.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        switch digits.count {
        case 12: return digits.prefix(2) == [1, 6]
        case 10: return digits[2] >= 2
        default: return false
        }
    }
}
