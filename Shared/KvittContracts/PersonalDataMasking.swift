/// Masks every number in a text (a log line, an error detail, a dead-letter header) that is shaped like a Swedish
/// personnummer, samordningsnummer or organisationsnummer, whatever its check digit: a mistyped personnummer is still
/// personal data, and a log line or an error is no place to decide whether it is valid.
///
/// Foundation only, in the contracts, so that every service, the CLI and the log handlers share one rule.
///
/// A number is shaped like one when it is
/// - ten digits, or six, then `-` or `+`, then four: a personnummer or samordningsnummer when the month (digits 3–4)
///   is 01–12 and the day (digits 5–6) is 01–31, or 61–91 for a samordningsnummer; an organisationsnummer when the
///   first digit (the legal form's group) is 1–9 and the third is 2 or more (the "month" is 20–99);
/// - twelve digits, or eight, then `-` or `+`, then four: the ten above preceded by the century (`18`, `19`, `20`) or
///   by `16`, as an organisationsnummer is written in twelve digits.
///
/// The number keeps its first six or eight digits and its separator and loses its last four: `19811218-9876` becomes
/// `19811218-****`. Numbers of other lengths (amounts, OCR references, invoice numbers) and digit runs joined to
/// other digits stay as they are.
public enum PersonalDataMasking {
    /// The text with every identity-shaped number masked.
    public static func mask(_ text: String) -> String {
        masking(text, where: isIdentityShaped)
    }

    /// The text with every number `masks` picks (its digits, separator left out) cut to its first six or eight
    /// digits, its separator and `****`. One scan for both rules: a run of digits joined to other digits is never
    /// one number, and six or eight digits, `-` or `+`, and four more are read as one.
    private static func masking(_ text: String, where masks: ([Int]) -> Bool) -> String {
        // Almost every log line has no run of six digits: leave those untouched, without building a new string or
        // an array of its characters (this runs for every line logged).
        guard hasLongDigitRun(text.utf8) else { return text }
        let characters = Array(text)
        var result = ""
        result.reserveCapacity(characters.count)
        var index = 0
        while index < characters.count {
            guard isDigit(characters[index]), index == 0 || !isDigit(characters[index - 1]) else {
                result.append(characters[index])
                index += 1
                continue
            }
            var end = index
            while end < characters.count, isDigit(characters[end]) { end += 1 }
            var digits = Array(characters[index..<end])
            var separator: Character?
            var matchEnd = end
            if digits.count == 6 || digits.count == 8, end < characters.count,
                characters[end] == "-" || characters[end] == "+"
            {
                var tail = end + 1
                while tail < characters.count, isDigit(characters[tail]) { tail += 1 }
                if tail - end - 1 == 4 {
                    separator = characters[end]
                    digits += characters[(end + 1)..<tail]
                    matchEnd = tail
                }
            }
            if masks(digits.compactMap(\.wholeNumberValue)) {
                result += String(digits.dropLast(4)) + (separator.map(String.init) ?? "") + "****"
            } else {
                result += String(characters[index..<matchEnd])
            }
            index = matchEnd
        }
        return result
    }

    /// Whether ten or twelve digits are shaped like a personnummer, samordningsnummer or organisationsnummer.
    static func isIdentityShaped(_ digits: [Int]) -> Bool {
        switch digits.count {
        case 10:
            return isTenDigitShaped(digits[...])
        case 12:
            let prefix = digits[0] * 10 + digits[1]
            return twelveDigitPrefixes.contains(prefix) && isTenDigitShaped(digits.dropFirst(2))
        default:
            return false
        }
    }

    /// The first two of twelve digits: a century (`18`, `19`, `20`), or `16` before an organisationsnummer.
    private static let twelveDigitPrefixes: Set = [16, 18, 19, 20]

    private static func isTenDigitShaped(_ ten: ArraySlice<Int>) -> Bool {
        let first = ten.startIndex
        let organisation = ten[first] >= 1 && ten[first + 2] >= 2
        return hasPersonDate(ten) || organisation
    }

    /// Whether ten digits hold a personnummer's or samordningsnummer's date: a month 01-12 and a day 01-31, or
    /// 61-91 (the day plus 60).
    private static func hasPersonDate(_ ten: ArraySlice<Int>) -> Bool {
        let first = ten.startIndex
        let month = ten[first + 2] * 10 + ten[first + 3]
        let day = ten[first + 4] * 10 + ten[first + 5]
        return (1...12).contains(month) && ((1...31).contains(day) || (61...91).contains(day))
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }

    /// Whether the text has at least six ASCII digits in a row, the shortest start of an identity number. Read as
    /// bytes: every run of digit characters is a run of digit bytes, so no line with an identity number is skipped.
    private static func hasLongDigitRun(_ bytes: String.UTF8View) -> Bool {
        var run = 0
        for byte in bytes {
            run = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? run + 1 : 0
            if run >= 6 { return true }
        }
        return false
    }

    /// The text with every personnummer or samordningsnummer whose check digit holds masked, and nothing else: for
    /// text a creditor reads (an invoice's history, the identity on a letter), where an OCR reference or an
    /// organisationsnummer must stay readable. Diagnostics (logs, error details, dead-letter headers) use ``mask(_:)``.
    public static func maskValidIdentityNumbers(_ text: String) -> String {
        masking(text, where: isIdentityNumber)
    }

    /// Whether ten or twelve digits form a plausible personnummer or samordningsnummer with a valid check digit.
    static func isIdentityNumber(_ digits: [Int]) -> Bool {
        guard digits.count == 10 || digits.count == 12 else { return false }
        let ten = digits.suffix(10)
        return hasPersonDate(ten) && Luhn.isValid(Array(ten))
    }
}
