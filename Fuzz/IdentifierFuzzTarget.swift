import Foundation
import KvittContracts

/// Fuzz target `identifiers`: any text as an OCR reference, personnummer, organisationsnummer, Swedish identity,
/// bankgiro number, IBAN and BIC, both through the parsers and as a JSON string through their decoders.
///
/// Every parser must refuse bad text with an `IdentifierError` (a decoder with a `DecodingError`), never trap. What
/// one accepts must print in its documented forms, and its canonical form (the value on the wire) must parse back to
/// the same value.
///
/// Input: a byte for the OCR control level, two for the lengths of a fixed-length agreement, four for the reference
/// date that gives a ten-digit personnummer its century (2000–2099), then the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let level = controlLevel(input.byte(), first: input.byte(), second: input.byte())
    let referenceDate = referenceDate(UInt32(bitPattern: input.int32()))
    let text = input.restAsText()
    checkOCR(text, level: level)
    checkPersonnummer(text, referenceDate: referenceDate)
    checkOrganisation(text)
    checkIdentity(text, referenceDate: referenceDate)
    checkBankgiro(text)
    checkIBAN(text)
    checkBIC(text)
    checkDecoders(text)
    return 0
}

private func controlLevel(_ choice: UInt8, first: UInt8, second: UInt8) -> OCRControlLevel {
    switch choice % 5 {
    case 0: .soft
    case 1: .hard
    case 2: .variableLength
    case 3: .fixedLength(Int(first % 32))
    default: .fixedLength(Int(first % 32), or: Int(second % 32))
    }
}

/// An instant from 2000 to 2099: the clock a service reads is the present, moved at most a few years by time
/// travel. (A reference date outside this century resolves some ten-digit numbers to a century the twelve-digit
/// form does not accept, 17 or 21; no clock of a running service gets there.)
private func referenceDate(_ bits: UInt32) -> Date {
    let start2000 = 946_684_800.0
    let century = 3_155_673_600.0  // seconds from 2000-01-01 to 2100-01-01
    return Date(timeIntervalSince1970: start2000 + (century - 1) * Double(bits) / Double(UInt32.max))
}

private func checkOCR(_ text: String, level: OCRControlLevel) {
    if let reference = try? OCRReference(parsing: text, level: level) {
        require(reference.isValid(for: level), "accepted \(reference) fails its own level")
        require(OCRReference.lengthRange.contains(reference.canonical.count), "length of \(reference)")
        require((try? OCRReference(parsing: reference.canonical, level: level)) == reference, "OCR round trip")
        _ = reference.hasValidLengthDigit
    }
    if let made = try? OCRReference.make(from: text, for: level) {
        require(made.isValid(for: level), "made \(made) fails \(level)")
    }
    for lengthDigit in [false, true] {
        if let made = try? OCRReference.make(from: text, lengthDigit: lengthDigit) {
            require(!lengthDigit || made.hasValidLengthDigit, "made \(made) has a wrong length digit")
            require((try? OCRReference(parsing: made.canonical)) == made, "made \(made) does not parse")
        }
    }
}

private func checkPersonnummer(_ text: String, referenceDate: Date) {
    guard let number = try? Personnummer(parsing: text, referenceDate: referenceDate) else { return }
    require(number.canonical.count == 12, "canonical form \(number.masked) is not twelve digits")
    require((try? Personnummer(parsing: number.canonical)) == number, "personnummer round trip")
    let birth = number.birthDate
    require((1...12).contains(birth.month) && (1...31).contains(birth.day), "birth date \(birth)")
    _ = number.masked
    _ = number.isSamordningsnummer
    _ = number.age(on: referenceDate)
}

private func checkOrganisation(_ text: String) {
    guard let number = try? Organisationsnummer(parsing: text) else { return }
    require((try? Organisationsnummer(parsing: number.canonical)) == number, "organisationsnummer round trip")
    require((try? Organisationsnummer(parsing: number.formatted)) == number, "formatted organisationsnummer")
    require((try? Organisationsnummer(parsing: number.twelveDigitForm)) == number, "twelve-digit form")
    require((0...9).contains(number.groupNumber), "group number of \(number)")
    _ = number.vatNumber
}

private func checkIdentity(_ text: String, referenceDate: Date) {
    guard let identity = try? SwedishIdentity(parsing: text, referenceDate: referenceDate) else { return }
    require(identity.twelveDigitForm.count == 12, "twelve-digit form of \(identity)")
    _ = identity.description
}

private func checkBankgiro(_ text: String) {
    guard let number = try? BankgiroNumber(parsing: text) else { return }
    require((try? BankgiroNumber(parsing: number.canonical)) == number, "bankgiro round trip")
    require((try? BankgiroNumber(parsing: number.formatted)) == number, "formatted bankgiro number")
    _ = number.isNinetyAccount
}

private func checkIBAN(_ text: String) {
    if let iban = try? IBAN(parsing: text) {
        require((try? IBAN(parsing: iban.canonical)) == iban, "IBAN round trip")
        require((try? IBAN(parsing: iban.printFormat)) == iban, "IBAN print form")
        require((try? IBAN(countryCode: iban.countryCode, bban: iban.bban)) == iban, "IBAN from its BBAN")
        _ = iban.checkDigits
    }
    // The same text split as a country code and a domestic account number.
    _ = try? IBAN(countryCode: String(text.prefix(2)), bban: String(text.dropFirst(2)))
}

private func checkBIC(_ text: String) {
    guard let bic = try? BIC(parsing: text) else { return }
    require((try? BIC(parsing: bic.description)) == bic, "BIC round trip")
}

/// Each identifier decoded from the text as a JSON string, as a message body carries it; an accepted value must
/// encode to a string that decodes to the same value.
private func checkDecoders(_ text: String) {
    guard let json = try? MessageCoding.encode(text) else { fail("a string does not encode as JSON") }
    checkDecoder(OCRReference.self, json)
    checkDecoder(Personnummer.self, json)
    checkDecoder(Organisationsnummer.self, json)
    checkDecoder(SwedishIdentity.self, json)
    checkDecoder(BankgiroNumber.self, json)
    checkDecoder(IBAN.self, json)
    checkDecoder(BIC.self, json)
}

private func checkDecoder<Identifier: Codable & Equatable>(_ type: Identifier.Type, _ json: [UInt8]) {
    guard let value = try? MessageCoding.decode(Identifier.self, from: json) else { return }
    guard let encoded = try? MessageCoding.encode(value) else { fail("\(Identifier.self) does not encode") }
    require((try? MessageCoding.decode(Identifier.self, from: encoded)) == value, "\(Identifier.self) JSON round trip")
}
