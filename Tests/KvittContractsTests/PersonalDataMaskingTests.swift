import KvittContracts
import Testing

@Suite("Personal identity numbers are masked in logs and errors")
struct PersonalDataMaskingTests {
    @Test(arguments: [
        ("buyer 19811218-9876 rejected", "buyer 19811218-**** rejected"),
        ("buyer 811218-9876 rejected", "buyer 811218-**** rejected"),
        ("pnr=198112189876,", "pnr=19811218****,"),
        ("8112189876", "811218****"),
        ("samordningsnummer 701063-2391", "samordningsnummer 701063-****"),
        ("centenarian 121212+1212", "centenarian 121212+****"),
    ])
    func identityNumbersAreMasked(input: String, expected: String) {
        #expect(PersonalDataMasking.mask(input) == expected)
    }

    @Test(arguments: [
        ("19811218-9877", "19811218-****"),  // mistyped: the check digit fails, still personal data
        ("org 556677-8890", "org 556677-****"),  // an organisationsnummer, any check digit
        ("165566778890", "16556677****"),
    ])
    func everyIdentityShapedNumberIsMaskedWhateverItsCheckDigit(input: String, expected: String) {
        #expect(PersonalDataMasking.mask(input) == expected)
    }

    @Test(arguments: ["OCR 10017 paid", "amount 12500", "bankgiro 5050-1055", "1913001234", "12345678901"])
    func otherNumbersAreLeftAlone(input: String) {
        #expect(PersonalDataMasking.mask(input) == input)
    }

    /// What a creditor reads (an invoice's history, the identity on a letter) keeps OCR references and
    /// organisationsnummer: only personnummer and samordningsnummer with a valid check digit are masked there.
    @Test func textForTheCreditorMasksOnlyValidPersonalIdentityNumbers() {
        #expect(PersonalDataMasking.maskValidIdentityNumbers("buyer 19811218-9876") == "buyer 19811218-****")
        for kept in ["OCR 1234567897 paid", "invoice 2026000123", "556677-8899", "19811218-9877"] {
            #expect(PersonalDataMasking.maskValidIdentityNumbers(kept) == kept)
        }
    }
}
