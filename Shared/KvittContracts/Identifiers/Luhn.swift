/// The Luhn check (mod 10, weights 2 and 1 from the right) shared by OCR references, bankgiro numbers, personnummer
/// and organisationsnummer (docs/domain.md §1.2, Bankgirot's `modul()`).
enum Luhn {
    /// The digit that makes `payload` followed by it pass the check.
    static func checkDigit(for payload: [Int]) -> Int {
        var sum = 0
        // The digit next to the check digit carries weight 2, whatever the length.
        for (offset, digit) in payload.reversed().enumerated() {
            let weighted = offset % 2 == 0 ? digit * 2 : digit
            sum += weighted > 9 ? weighted - 9 : weighted
        }
        return (10 - sum % 10) % 10
    }

    /// Whether the last digit is the check digit of the ones before it.
    static func isValid(_ digits: [Int]) -> Bool {
        guard let last = digits.last, digits.count >= 2 else { return false }
        return checkDigit(for: Array(digits.dropLast())) == last
    }
}
