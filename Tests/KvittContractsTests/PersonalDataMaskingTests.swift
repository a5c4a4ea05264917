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
        "OCR 1234567897 paid", "amount 12500", "invoice 2026000123", "bankgiro 5050-1055", "19811218-9877",
    ])
    func otherNumbersAreLeftAlone(input: String) {
        #expect(PersonalDataMasking.mask(input) == input)
    }
}
