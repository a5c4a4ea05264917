/// Why a string is not a valid identifier (personnummer, organisationsnummer, bankgiro number, IBAN, BIC or OCR
/// reference).
///
/// The cases and their ``description`` never quote the rejected input, so an error about a personnummer can be
/// logged, returned to a client or dead-lettered without leaking the person's number.
public enum IdentifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Characters or layout the identifier never has. The text states the expected form, not the input.
    case invalidFormat(String)
    /// The wrong number of digits or characters; `expected` is a phrase such as `"10 or 12 digits"`.
    case invalidLength(expected: String, got: Int)
    /// The check digit (Luhn for Swedish numbers, mod 97 for IBAN) does not match the rest.
    case invalidCheckDigit
    /// The OCR length digit (second to last) is not the total length mod 10.
    case invalidLengthDigit
    /// The date part of a personnummer or samordningsnummer is not a calendar date.
    case invalidDate
    /// An IBAN country code that Kvitt has no length for; the two letters are safe to show.
    case unknownCountry(String)

    public var description: String {
        switch self {
        case .invalidFormat(let expectation): "invalid format: \(expectation)"
        case .invalidLength(let expected, let got): "invalid length: expected \(expected), got \(got)"
        case .invalidCheckDigit: "the check digit does not match"
        case .invalidLengthDigit: "the length digit (second to last) does not match the length of the reference"
        case .invalidDate: "the date part is not a valid date"
        case .unknownCountry(let code): "unknown or unsupported IBAN country '\(code)'"
        }
    }
}
