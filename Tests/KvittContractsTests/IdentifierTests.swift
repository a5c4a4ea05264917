import Foundation
import Testing

@testable import KvittContracts

/// Noon on a Swedish calendar day, so that the century of ten-digit personnummer does not depend on when the
/// tests run.
private func swedishDay(_ year: Int, _ month: Int, _ day: Int) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Stockholm")!
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
}

private let firstOfMarch2026 = swedishDay(2026, 3, 1)

/// Whether an expected error is ``IdentifierError/invalidFormat(_:)``, whatever its wording.
private func isInvalidFormat(_ error: IdentifierError?) -> Bool {
    guard case .invalidFormat? = error else { return false }
    return true
}

private func jsonString(_ value: some Encodable) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
}

private func decoded<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
}

@Suite("Personnummer and samordningsnummer")
struct PersonnummerTests {
    // Skatteverket's worked example in rättslig vägledning 330245 (docs/domain.md §6.1).
    @Test(arguments: ["811218-9876", "8112189876", "19811218-9876", "198112189876", " 811218-9876\n"])
    func everyWrittenFormGivesTheSameNumber(text: String) throws {
        let number = try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        #expect(number.canonical == "198112189876")
        #expect(number.birthDate == Personnummer.BirthDate(year: 1981, month: 12, day: 18))
        #expect(number.birthDate.description == "1981-12-18")
        #expect(!number.isSamordningsnummer)
        #expect(number.masked == "19811218-****")
    }

    @Test(arguments: ["811218-9877", "19811218-9877", "8112189870", "121212+1213"])
    func wrongCheckDigitIsRefused(text: String) {
        #expect(throws: IdentifierError.invalidCheckDigit) {
            try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        }
    }

    @Test(arguments: [
        "811318-9876",  // month 13
        "810018-9876",  // month 0
        "811200-9876",  // day 0
        "811232-9876",  // day 32
        "811292-9876",  // samordningsnummer day 32
        "811260-9876",  // 60 is not a samordningsnummer day
        "810230-9876",  // 30 February
        "810229-9876",  // 1981 is not a leap year
        "19000229-1235",  // 1900 is not a leap year
        "000229+1235",  // + puts it in 1900
        "17811218-9876",  // century 17
        "21811218-9876",  // century 21
    ])
    func impossibleDatesAreRefused(text: String) {
        #expect(throws: IdentifierError.invalidDate) {
            try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        }
    }

    @Test func leapDayIsAcceptedInLeapYears() throws {
        let number = try Personnummer(parsing: "000229-1235", referenceDate: firstOfMarch2026)
        #expect(number.canonical == "200002291235")
        #expect(number.age(onYear: 2001, month: 2, day: 28) == 0)
        #expect(number.age(onYear: 2001, month: 3, day: 1) == 1)
        #expect(number.age(onYear: 2004, month: 2, day: 29) == 4)
    }

    // SKV 707's example: a man born 1970-10-03 with individnummer 239 (docs/domain.md §6.2).
    @Test func samordningsnummerAddsSixtyToTheDay() throws {
        let number = try Personnummer(parsing: "701063-2391", referenceDate: firstOfMarch2026)
        #expect(number.isSamordningsnummer)
        #expect(number.canonical == "197010632391")
        #expect(number.birthDate == Personnummer.BirthDate(year: 1970, month: 10, day: 3))
        #expect(number.masked == "19701063-****")
        #expect(number.age(onYear: 2026, month: 3, day: 1) == 55)
    }

    @Test(arguments: [
        ("121212-1212", "201212121212"),
        ("1212121212", "201212121212"),
        ("121212+1212", "191212121212"),
        ("19121212-1212", "191212121212"),
        // The 2026 birthday is still ahead on 1 March, so 2026 would be in the future.
        ("260601-1233", "192606011233"),
        ("260201-1237", "202602011237"),
        // `+` from the start of the year the person turns 100, even before the birthday.
        ("260601+1233", "192606011233"),
        ("260201+1237", "192602011237"),
        ("270101+1237", "182701011237"),
    ])
    func centuryComesFromTheSeparatorAndTheReferenceDate(text: String, canonical: String) throws {
        let number = try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        #expect(number.canonical == canonical)
    }

    @Test func referenceDateIsASwedishCalendarDay() throws {
        // 23:30 UTC on 31 May 2026 is already 01:30 on 1 June in Sweden (UTC+2 in summer).
        let lateEvening = Date(timeIntervalSince1970: 1_780_270_200)
        #expect(try Personnummer(parsing: "260601-1233", referenceDate: lateEvening).canonical == "202606011233")
        let beforeMidnight = lateEvening.addingTimeInterval(-7_200)
        #expect(try Personnummer(parsing: "260601-1233", referenceDate: beforeMidnight).canonical == "192606011233")
    }

    @Test(arguments: [
        "8112-189876", "811218--9876", "811218 9876", "811218-98-76", "-8112189876", "811218_9876", "abcdef-ghij",
        "８１１２１８-９８７６",
    ])
    func malformedInputIsRefusedAsFormat(text: String) {
        let error = #expect(throws: IdentifierError.self) {
            try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        }
        #expect(isInvalidFormat(error))
    }

    @Test(arguments: [("81121898", 8), ("81121898761", 11), ("1981121898761", 13), ("", 0)])
    func wrongLengthIsRefused(text: String, digits: Int) {
        #expect(throws: IdentifierError.invalidLength(expected: "10 or 12 digits", got: digits)) {
            try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
        }
    }

    @Test func birthNumberZeroIsNeverIssued() {
        #expect(throws: IdentifierError.invalidFormat("the birth number 000 is never issued")) {
            try Personnummer(parsing: "811218-0008", referenceDate: firstOfMarch2026)
        }
    }

    @Test func ageCountsCompletedYears() throws {
        let number = try Personnummer(parsing: "19811218-9876")
        #expect(number.age(onYear: 2026, month: 12, day: 17) == 44)
        #expect(number.age(onYear: 2026, month: 12, day: 18) == 45)
        #expect(number.age(onYear: 1981, month: 12, day: 18) == 0)
        #expect(number.age(on: swedishDay(2026, 12, 18)) == 45)
    }

    @Test func theFullNumberNeverLeaksThroughStrings() throws {
        let number = try Personnummer(parsing: "811218-9876", referenceDate: firstOfMarch2026)
        #expect("\(number)" == "19811218-****")
        #expect(String(describing: number) == "19811218-****")
        #expect(String(reflecting: number) == "19811218-****")
        var dumped = ""
        dump(number, to: &dumped)
        #expect(!dumped.contains("9876"))
        #expect(!"\([number])".contains("9876"))
        #expect("\(SwedishIdentity.person(number))" == "19811218-****")
    }

    @Test(arguments: ["811218-9877", "811318-9876", "81121898761", "811218-98x6", "811218-0008"])
    func errorsNeverQuoteTheNumber(text: String) {
        do {
            _ = try Personnummer(parsing: text, referenceDate: firstOfMarch2026)
            Issue.record("\(text.count) characters parsed unexpectedly")
        } catch {
            #expect(!error.description.contains(String(text.suffix(4))))
            #expect(!error.description.contains("8112"))
        }
    }

    @Test func differentWrittenFormsAreEqual() throws {
        let forms = ["811218-9876", "8112189876", "19811218-9876", "198112189876"]
        let numbers = try forms.map { try Personnummer(parsing: $0, referenceDate: firstOfMarch2026) }
        #expect(Set(numbers).count == 1)
    }

    @Test func codableUsesTheTwelveDigitForm() throws {
        let number = try Personnummer(parsing: "811218-9876", referenceDate: firstOfMarch2026)
        #expect(try jsonString(number) == #""198112189876""#)
        #expect(try jsonString([number]) == #"["198112189876"]"#)
        #expect(try decoded(Personnummer.self, from: #""198112189876""#) == number)
        #expect(try decoded(Personnummer.self, from: #""19811218-9876""#) == number)
        // A ten-digit form on the wire would decode to a different person depending on the day it is read.
        #expect(throws: DecodingError.self) { try decoded(Personnummer.self, from: #""811218-9876""#) }
        #expect(throws: DecodingError.self) { try decoded(Personnummer.self, from: #""198112189877""#) }
        #expect(throws: DecodingError.self) { try decoded(Personnummer.self, from: "198112189876") }
    }
}

@Suite("Organisationsnummer and the choice between person and organisation")
struct OrganisationsnummerTests {
    // Saab AB (docs/domain.md §6.3).
    @Test(arguments: ["556036-0793", "5560360793", "165560360793", "16556036-0793", " 556036-0793 "])
    func everyWrittenFormGivesTheSameNumber(text: String) throws {
        let number = try Organisationsnummer(parsing: text)
        #expect(number.canonical == "5560360793")
        #expect(number.formatted == "556036-0793")
        #expect(number.description == "556036-0793")
        #expect(number.twelveDigitForm == "165560360793")
        #expect(number.groupNumber == 5)
        #expect(number.vatNumber == "SE556036079301")
    }

    @Test func municipalityIsGroupTwo() throws {
        // Stockholms stad (docs/domain.md §6.3).
        #expect(try Organisationsnummer(parsing: "212000-0142").groupNumber == 2)
    }

    @Test func wrongCheckDigitIsRefused() {
        #expect(throws: IdentifierError.invalidCheckDigit) { try Organisationsnummer(parsing: "556036-0794") }
        #expect(throws: IdentifierError.invalidCheckDigit) { try Organisationsnummer(parsing: "165560360794") }
    }

    @Test func personnummerIsNotAnOrganisationsnummer() {
        let personnummer = #expect(throws: IdentifierError.self) { try Organisationsnummer(parsing: "811218-9876") }
        #expect(isInvalidFormat(personnummer))
        let centuryPrefix = #expect(throws: IdentifierError.self) { try Organisationsnummer(parsing: "195560360793") }
        #expect(isInvalidFormat(centuryPrefix))
        #expect(throws: IdentifierError.invalidLength(expected: "10 digits, or 12 with the prefix 16", got: 9)) {
            try Organisationsnummer(parsing: "556036079")
        }
    }

    @Test func codableUsesTheTenDigits() throws {
        let number = try Organisationsnummer(parsing: "556036-0793")
        #expect(try jsonString(number) == #""5560360793""#)
        #expect(try decoded(Organisationsnummer.self, from: #""165560360793""#) == number)
        #expect(throws: DecodingError.self) { try decoded(Organisationsnummer.self, from: #""5560360794""#) }
    }

    @Test(arguments: [
        ("556036-0793", "165560360793", false),
        ("165560360793", "165560360793", false),
        ("212000-0142", "162120000142", false),
        ("811218-9876", "198112189876", true),
        ("198112189876", "198112189876", true),
        ("701063-2391", "197010632391", true),
    ])
    func identityIsChosenByShape(text: String, twelveDigits: String, isPerson: Bool) throws {
        let identity = try SwedishIdentity(parsing: text, referenceDate: firstOfMarch2026)
        #expect(identity.twelveDigitForm == twelveDigits)
        if case .person = identity {
            #expect(isPerson)
        } else {
            #expect(!isPerson)
        }
    }

    @Test func identityErrorsNameTheLikelyKind() {
        #expect(throws: IdentifierError.invalidCheckDigit) {
            try SwedishIdentity(parsing: "556036-0794", referenceDate: firstOfMarch2026)
        }
        #expect(throws: IdentifierError.invalidDate) {
            try SwedishIdentity(parsing: "811318-9876", referenceDate: firstOfMarch2026)
        }
    }

    @Test func identityDescriptionMasksPeopleOnly() throws {
        #expect(try SwedishIdentity(parsing: "556036-0793").description == "556036-0793")
        #expect(try SwedishIdentity(parsing: "19811218-9876").description == "19811218-****")
    }

    @Test func identityCodableRoundTrip() throws {
        let identities = [
            try SwedishIdentity(parsing: "811218-9876", referenceDate: firstOfMarch2026),
            try SwedishIdentity(parsing: "556036-0793"),
        ]
        let json = try jsonString(identities)
        #expect(json == #"["198112189876","5560360793"]"#)
        #expect(try decoded([SwedishIdentity].self, from: json) == identities)
        #expect(throws: DecodingError.self) { try decoded(SwedishIdentity.self, from: #""8112189876""#) }
    }
}

@Suite("Bankgiro numbers, IBAN and BIC")
struct BankAccountIdentifierTests {
    @Test(arguments: [
        ("5050-1055", "50501055", "5050-1055"),
        ("50501055", "50501055", "5050-1055"),
        ("5402-9681", "54029681", "5402-9681"),
        ("902-0033", "9020033", "902-0033"),
        ("9020033", "9020033", "902-0033"),
    ])
    func validBankgiroNumbers(text: String, canonical: String, formatted: String) throws {
        let number = try BankgiroNumber(parsing: text)
        #expect(number.canonical == canonical)
        #expect(number.formatted == formatted)
        #expect(number.description == formatted)
    }

    @Test func ninetyAccounts() throws {
        #expect(try BankgiroNumber(parsing: "902-0033").isNinetyAccount)
        #expect(try !BankgiroNumber(parsing: "5050-1055").isNinetyAccount)
    }

    @Test func invalidBankgiroNumbers() {
        #expect(throws: IdentifierError.invalidCheckDigit) { try BankgiroNumber(parsing: "902-0034") }
        #expect(throws: IdentifierError.invalidCheckDigit) { try BankgiroNumber(parsing: "5050-1056") }
        #expect(throws: IdentifierError.invalidLength(expected: "7 or 8 digits", got: 6)) {
            try BankgiroNumber(parsing: "505010")
        }
        #expect(throws: IdentifierError.invalidLength(expected: "7 or 8 digits", got: 9)) {
            try BankgiroNumber(parsing: "50501-0550")
        }
        #expect(throws: IdentifierError.invalidFormat("a bankgiro number is NNN-NNNN or NNNN-NNNN")) {
            try BankgiroNumber(parsing: "505-01055")
        }
    }

    @Test func bankgiroCodable() throws {
        let number = try BankgiroNumber(parsing: "5050-1055")
        #expect(try jsonString(number) == #""50501055""#)
        #expect(try decoded(BankgiroNumber.self, from: #""5050-1055""#) == number)
        #expect(throws: DecodingError.self) { try decoded(BankgiroNumber.self, from: #""5050-1056""#) }
    }

    // Sweden from the docs/domain.md §3.4; the others are the SWIFT IBAN registry's examples.
    @Test(arguments: [
        "SE45 5000 0000 0583 9825 7466", "GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00",
        "NO93 8601 1117 947", "DK50 0040 0440 1162 43", "FI21 1234 5600 0007 85", "FR14 2004 1010 0505 0001 3M02 606",
        "NL91 ABNA 0417 1643 00", "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456",
        "PL61 1090 1014 0000 0712 1981 2874", "EE38 2200 2210 2014 5685", "LV80 BANK 0000 4351 9500 1",
        "LT12 1000 0111 0100 1000", "BE68 5390 0754 7034", "AT61 1904 3002 3457 3201", "CH93 0076 2011 6238 5295 7",
        "IE29 AIBK 9311 5212 3456 78",
    ])
    func validIBANs(text: String) throws {
        let iban = try IBAN(parsing: text)
        #expect(iban.canonical == text.replacingOccurrences(of: " ", with: ""))
        #expect(iban.printFormat == text)
        #expect(try IBAN(parsing: iban.canonical.lowercased()) == iban)
        #expect(try IBAN(countryCode: iban.countryCode, bban: iban.bban) == iban)
    }

    @Test func swedishIBANParts() throws {
        let iban = try IBAN(parsing: "SE4550000000058398257466")
        #expect(iban.countryCode == "SE")
        #expect(iban.checkDigits == "45")
        #expect(iban.bban == "50000000058398257466")
        #expect(iban.description == "SE45 5000 0000 0583 9825 7466")
        #expect(try IBAN(countryCode: "se", bban: "500 00000058398257466").canonical == "SE4550000000058398257466")
    }

    @Test func invalidIBANs() {
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "SE45 5000 0000 0583 9825 7467") }
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "GB82 WEST 1234 5698 7654 33") }
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "DE88 3704 0044 0532 0130 00") }
        #expect(throws: IdentifierError.invalidLength(expected: "24 characters for SE", got: 23)) {
            try IBAN(parsing: "SE45 5000 0000 0583 9825 746")
        }
        #expect(throws: IdentifierError.unknownCountry("XX")) { try IBAN(parsing: "XX82 WEST 1234 5698 7654 32") }
        #expect(throws: IdentifierError.unknownCountry("US")) { try IBAN(countryCode: "US", bban: "123456789") }
        let dashes = #expect(throws: IdentifierError.self) { try IBAN(parsing: "SE45-5000-0000-0583-9825-7466") }
        #expect(isInvalidFormat(dashes))
        let countryLast = #expect(throws: IdentifierError.self) { try IBAN(parsing: "4550000000058398257466SE") }
        #expect(isInvalidFormat(countryLast))
    }

    @Test func checkDigitsOutside02To98AreRefusedEvenWhenMod97Holds() throws {
        // The real check digits are 98, 97 and 02; 01, 00 and 99 are congruent mod 97 but never issued.
        #expect(try IBAN(parsing: "SE9850000000058398250013").checkDigits == "98")
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "SE0150000000058398250013") }
        #expect(try IBAN(parsing: "SE9750000000058398250031").checkDigits == "97")
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "SE0050000000058398250031") }
        #expect(try IBAN(parsing: "SE0250000000058398250092").checkDigits == "02")
        #expect(throws: IdentifierError.invalidCheckDigit) { try IBAN(parsing: "SE9950000000058398250092") }
    }

    @Test func ibanCodable() throws {
        let iban = try IBAN(parsing: "GB82 WEST 1234 5698 7654 32")
        #expect(try jsonString(iban) == #""GB82WEST12345698765432""#)
        #expect(try decoded(IBAN.self, from: #""GB82 WEST 1234 5698 7654 32""#) == iban)
        #expect(throws: DecodingError.self) { try decoded(IBAN.self, from: #""GB82WEST12345698765433""#) }
    }

    @Test(
        arguments: [
            ("ESSESESS", "ESSE", "SE", "SS", nil),
            ("HANDSESS", "HAND", "SE", "SS", nil),
            ("deutdeffxxx", "DEUT", "DE", "FF", "XXX"),
            ("NDEASESS500", "NDEA", "SE", "SS", "500"),
        ] as [(String, String, String, String, String?)]
    )
    func validBICs(text: String, institution: String, country: String, location: String, branch: String?) throws {
        let bic = try BIC(parsing: text)
        #expect(bic.canonical == text.uppercased())
        #expect(bic.institutionCode == institution)
        #expect(bic.countryCode == country)
        #expect(bic.locationCode == location)
        #expect(bic.branchCode == branch)
    }

    @Test func invalidBICs() {
        #expect(throws: IdentifierError.invalidLength(expected: "8 or 11 characters", got: 7)) {
            try BIC(parsing: "ESSESES")
        }
        #expect(throws: IdentifierError.invalidLength(expected: "8 or 11 characters", got: 10)) {
            try BIC(parsing: "ESSESESSXX")
        }
        for text in ["ESSE12SS", "ESSE SESS", "ESSE-SESS", "ESSESESß"] {
            let error = #expect(throws: IdentifierError.self) { try BIC(parsing: text) }
            #expect(isInvalidFormat(error), "\(text)")
        }
    }

    @Test func bicCodable() throws {
        let bic = try BIC(parsing: "ESSESESS")
        #expect(try jsonString(bic) == #""ESSESESS""#)
        #expect(try decoded(BIC.self, from: #""essesess""#) == bic)
        #expect(throws: DecodingError.self) { try decoded(BIC.self, from: #""ESSE""#) }
    }
}

@Suite("OCR references and Bankgirot control levels")
struct OCRReferenceTests {
    // The worked examples of docs/domain.md §1.4 (banktools-se's tests and Bankgirot's rule).
    @Test(arguments: [
        ("123", false, "1230"),
        ("123", true, "12351"),
        ("1234567890", true, "123456789023"),
        ("1000", true, "100065"),
        ("12345", true, "1234574"),
    ])
    func generatedReferencesMatchTheWorkedExamples(base: String, lengthDigit: Bool, expected: String) throws {
        let reference = try OCRReference.make(from: base, lengthDigit: lengthDigit)
        #expect(reference.canonical == expected)
        #expect(reference.description == expected)
        #expect(try OCRReference(parsing: expected) == reference)
        #expect(reference.hasValidLengthDigit == lengthDigit)
    }

    // References from Bankgirot's sample BgMax file for "avtal om OCR-kontroll, checksiffra och längd".
    @Test(arguments: ["655969", "659763", "650861", "100065"])
    func bankgirotSampleReferencesPassVariableLength(text: String) throws {
        let reference = try OCRReference(parsing: text, level: .variableLength)
        #expect(reference.isValid(for: .variableLength))
        #expect(reference.isValid(for: .hard))
    }

    @Test(arguments: [OCRControlLevel.soft, .hard, .variableLength, .fixedLength(4), .fixedLength(5, or: 4)])
    func wrongCheckDigitFailsEveryLevel(level: OCRControlLevel) {
        #expect(throws: IdentifierError.invalidCheckDigit) { try OCRReference(parsing: "1231", level: level) }
    }

    @Test func onlySoftControlLetsPayersThroughWithAWrongReference() {
        #expect(!OCRControlLevel.soft.rejectsInvalidReferences)
        #expect(OCRControlLevel.hard.rejectsInvalidReferences)
        #expect(OCRControlLevel.variableLength.rejectsInvalidReferences)
        #expect(OCRControlLevel.fixedLength(10).rejectsInvalidReferences)
    }

    @Test func formatAndLengthLimits() throws {
        #expect(throws: IdentifierError.invalidLength(expected: "2–25 digits", got: 1)) {
            try OCRReference(parsing: "0")
        }
        #expect(throws: IdentifierError.invalidLength(expected: "2–25 digits", got: 26)) {
            try OCRReference(parsing: String(repeating: "0", count: 26))
        }
        #expect(try OCRReference(parsing: String(repeating: "0", count: 25)).canonical.count == 25)
        #expect(try OCRReference(parsing: " 1230 ").canonical == "1230")
        #expect(throws: IdentifierError.invalidFormat("an OCR reference has only digits")) {
            try OCRReference(parsing: "12 30")
        }
        #expect(throws: IdentifierError.invalidFormat("an OCR reference has only digits")) {
            try OCRReference(parsing: "A1230")
        }
    }

    @Test func variableLengthNeedsTheLengthDigit() throws {
        let withoutLengthDigit = try OCRReference(parsing: "1230")
        #expect(!withoutLengthDigit.isValid(for: .variableLength))
        #expect(withoutLengthDigit.isValid(for: .hard))
        #expect(withoutLengthDigit.isValid(for: .soft))
        #expect(throws: IdentifierError.invalidLengthDigit) {
            try OCRReference(parsing: "1230", level: .variableLength)
        }
    }

    @Test func fixedLengthChecksTheAgreedLengthsAndNoLengthDigit() throws {
        let reference = try OCRReference(parsing: "1230")
        #expect(reference.isValid(for: .fixedLength(4)))
        #expect(!reference.isValid(for: .fixedLength(5)))
        #expect(reference.isValid(for: .fixedLength(5, or: 4)))
        #expect(throws: IdentifierError.invalidLength(expected: "6 digits", got: 4)) {
            try OCRReference(parsing: "1230", level: .fixedLength(6))
        }
        #expect(throws: IdentifierError.invalidLength(expected: "6 or 8 digits", got: 4)) {
            try OCRReference(parsing: "1230", level: .fixedLength(8, or: 6))
        }
    }

    @Test func fixedLengthGenerationPadsWithLeadingZeros() throws {
        #expect(try OCRReference.make(from: "123", for: .fixedLength(8)).canonical == "00001230")
        #expect(try OCRReference.make(from: "123", for: .fixedLength(12, or: 6)).canonical == "001230")
        #expect(try OCRReference.make(from: "1234567", for: .fixedLength(12, or: 6)).canonical.count == 12)
        #expect(throws: IdentifierError.invalidLength(expected: "at most 7 base digits", got: 9)) {
            try OCRReference.make(from: "123456789", for: .fixedLength(8))
        }
    }

    @Test(
        arguments: [
            OCRControlLevel.soft, .hard, .variableLength, .fixedLength(10), .fixedLength(8, or: 12), .fixedLength(25),
        ],
        ["1", "123", "1000", "4711", "20260104"]
    )
    func generationRoundTripsForEveryLevel(level: OCRControlLevel, base: String) throws {
        let reference = try OCRReference.make(from: base, for: level)
        #expect(reference.isValid(for: level))
        #expect(try OCRReference(parsing: reference.canonical, level: level) == reference)
        let digits = reference.canonical
        switch level {
        case .soft, .hard:
            #expect(String(digits.dropLast()) == base)
        case .variableLength:
            #expect(digits.dropLast(2) == base)
            #expect(reference.hasValidLengthDigit)
        case .fixedLength:
            #expect(digits.dropLast().hasSuffix(base))
            #expect(digits.dropLast().dropLast(base.count).allSatisfy { $0 == "0" })
        }
    }

    @Test func generationLimits() throws {
        let longest = String(repeating: "1", count: 24)
        #expect(try OCRReference.make(from: longest, lengthDigit: false).canonical.count == 25)
        #expect(throws: IdentifierError.invalidLength(expected: "at most 23 base digits", got: 24)) {
            try OCRReference.make(from: longest, lengthDigit: true)
        }
        #expect(throws: IdentifierError.invalidFormat("the base of an OCR reference is one or more digits")) {
            try OCRReference.make(from: "", lengthDigit: false)
        }
        #expect(throws: IdentifierError.invalidFormat("the base of an OCR reference is one or more digits")) {
            try OCRReference.make(from: "12a", for: .hard)
        }
    }

    @Test func ocrCodable() throws {
        let reference = try OCRReference.make(from: "123", lengthDigit: true)
        #expect(try jsonString(reference) == #""12351""#)
        #expect(try decoded(OCRReference.self, from: #""12351""#) == reference)
        #expect(throws: DecodingError.self) { try decoded(OCRReference.self, from: #""12352""#) }
    }
}

@Suite("Identifier errors and the shared Luhn check")
struct IdentifierErrorTests {
    @Test func descriptionsAreReadableEnglish() {
        #expect(
            IdentifierError.invalidLength(expected: "10 or 12 digits", got: 8).description
                == "invalid length: expected 10 or 12 digits, got 8"
        )
        #expect(IdentifierError.invalidCheckDigit.description == "the check digit does not match")
        #expect(IdentifierError.invalidDate.description == "the date part is not a valid date")
        #expect(IdentifierError.unknownCountry("XX").description == "unknown or unsupported IBAN country 'XX'")
        #expect(IdentifierError.invalidFormat("digits only").description == "invalid format: digits only")
    }

    @Test func luhnAcceptsRealNumbersAndRejectsEverySingleDigitChange() {
        // A personnummer, an organisationsnummer, a bankgiro number and an OCR reference from docs/domain.md.
        for number in ["8112189876", "5560360793", "50501055", "10017"] {
            let digits = number.compactMap(\.wholeNumberValue)
            #expect(Luhn.isValid(digits), "\(number)")
            for position in digits.indices {
                for replacement in 0...9 where replacement != digits[position] {
                    var changed = digits
                    changed[position] = replacement
                    #expect(!Luhn.isValid(changed), "\(number) with digit \(position) set to \(replacement)")
                }
            }
        }
    }

    @Test func luhnCheckDigitMakesTheNumberValid() {
        for value in stride(from: 1, to: 50_000, by: 13) {
            let payload = String(value).compactMap(\.wholeNumberValue)
            let check = Luhn.checkDigit(for: payload)
            #expect(Luhn.isValid(payload + [check]))
            #expect(!Luhn.isValid(payload + [(check + 1) % 10]))
        }
    }
}
