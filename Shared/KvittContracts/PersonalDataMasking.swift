/// Masks Swedish personal identity numbers (personnummer and samordningsnummer) in free text.
///
/// Logs, error details and dead-letter headers must not carry them. A 10- or 12-digit number (with or without
/// `-`/`+` before the last four digits) whose date part is plausible and whose Luhn check digit holds keeps its
/// date and loses its last four digits: `19811218-9876` becomes `19811218-****`. Other numbers (OCR references,
/// amounts) are left alone, so logs stay useful.
public enum PersonalDataMasking {
    /// The text with every identity number masked.
    public static func mask(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        result.reserveCapacity(characters.count)
        var index = 0
        while index < characters.count {
            guard characters[index].isASCII, characters[index].isNumber,
                index == 0 || !(characters[index - 1].isASCII && characters[index - 1].isNumber)
            else {
                result.append(characters[index])
                index += 1
                continue
            }
            var end = index
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            var digits = String(characters[index..<end])
            var separator: Character?
            var matchEnd = end
            if digits.count == 6 || digits.count == 8, end < characters.count,
                characters[end] == "-" || characters[end] == "+"
            {
                var tail = end + 1
                while tail < characters.count, characters[tail].isASCII, characters[tail].isNumber { tail += 1 }
                if tail - end - 1 == 4 {
                    separator = characters[end]
                    digits += String(characters[(end + 1)..<tail])
                    matchEnd = tail
                }
            }
            if (digits.count == 10 || digits.count == 12), isIdentityNumber(digits) {
                let datePart = String(digits.dropLast(4))
                result += datePart + (separator.map(String.init) ?? "") + "****"
            } else {
                result += String(characters[index..<matchEnd])
            }
            index = matchEnd
        }
        return result
    }

    /// Whether ten or twelve digits form a plausible personnummer or samordningsnummer with a valid check digit.
    static func isIdentityNumber(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        let ten = Array(values.suffix(10))
        guard ten.count == 10 else { return false }
        let month = ten[2] * 10 + ten[3]
        let day = ten[4] * 10 + ten[5]
        guard (1...12).contains(month), (1...31).contains(day) || (61...91).contains(day) else { return false }
        return Luhn.isValid(ten)
    }
}
