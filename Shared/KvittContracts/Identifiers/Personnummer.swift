import Foundation

/// A Swedish personnummer or samordningsnummer (coordination number), always held with its century.
///
/// Rules (docs/domain.md §6.1–6.2; Skatteverket rättslig vägledning 330245 and SKV 707): written `YYMMDD-NNNC`,
/// `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDD-NNNC` or `YYYYMMDDNNNC`. The date must exist, a samordningsnummer adding
/// 60 to the day; the birth number `NNN` is 001–999; `C` is the Luhn check digit over the ten-digit form.
///
/// This is personal data: ``description`` (and so string interpolation, `print`, `dump` and test output) shows only
/// the masked form `19811218-****`. ``canonical`` is the full number for the few places that need it, and the
/// value on the wire: `"198112189876"`.
public struct Personnummer: Hashable, Sendable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The full number as twelve digits `YYYYMMDDNNNC`, the form Skatteverket stores and its ROT/RUT XML requires.
    /// A samordningsnummer keeps its day + 60 here.
    public let canonical: String

    /// Parses a personnummer or samordningsnummer.
    ///
    /// A ten-digit form carries no century, so it is taken from `referenceDate` (in Swedish time): with `-` or no
    /// separator, the latest century that does not put the birth after the reference date; with `+`, which
    /// Skatteverket uses from the year a person turns 100, the latest century that makes the person turn 100 or
    /// more in the reference year. A twelve-digit form ignores `referenceDate` and accepts the centuries 18, 19
    /// and 20.
    public init(parsing text: String, referenceDate: Date = Date()) throws(IdentifierError) {
        guard let (digits, separator) = IdentifierParsing.digitsAndSeparator(text, separators: ["-", "+"]) else {
            throw .invalidFormat(
                "a personnummer is YYMMDD-NNNC or YYYYMMDDNNNC, with '-' or '+' only before the last four digits"
            )
        }
        guard digits.count == 10 || digits.count == 12 else {
            throw .invalidLength(expected: "10 or 12 digits", got: digits.count)
        }
        let ten = Array(digits.suffix(10))
        let month = ten[2] * 10 + ten[3]
        let dayField = ten[4] * 10 + ten[5]
        let day = dayField > 60 ? dayField - 60 : dayField
        guard (1...12).contains(month), (1...31).contains(day) else { throw .invalidDate }
        let year: Int
        if digits.count == 12 {
            let century = digits[0] * 10 + digits[1]
            guard (18...20).contains(century) else { throw .invalidDate }
            year = century * 100 + ten[0] * 10 + ten[1]
        } else {
            year = Self.resolveYear(
                twoDigitYear: ten[0] * 10 + ten[1],
                month: month,
                day: day,
                centenarian: separator == "+",
                reference: BirthDate(referenceDate)
            )
        }
        guard day <= BirthDate.daysIn(month: month, year: year) else { throw .invalidDate }
        guard ten[6...8] != [0, 0, 0] else { throw .invalidFormat("the birth number 000 is never issued") }
        guard Luhn.isValid(ten) else { throw .invalidCheckDigit }
        canonical = String(year) + IdentifierParsing.string(ten.dropFirst(2))
    }

    /// The date of birth; for a samordningsnummer the day is the real one, without the 60.
    public var birthDate: BirthDate {
        let digits = IdentifierParsing.digits(canonical)
        let day = dayField
        return BirthDate(
            year: digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3],
            month: digits[4] * 10 + digits[5],
            day: day > 60 ? day - 60 : day
        )
    }

    /// Whether this is a samordningsnummer (day + 60), given to people who are not or have not been registered in
    /// Sweden.
    public var isSamordningsnummer: Bool { dayField > 60 }

    /// The number with its last four digits hidden, e.g. `19811218-****`: enough to tell people apart in logs and
    /// support conversations, not enough to identify anyone.
    public var masked: String { String(canonical.prefix(8)) + "-****" }

    /// The day as written, with the 60 of a samordningsnummer.
    private var dayField: Int {
        let digits = IdentifierParsing.digits(canonical.dropFirst(6).prefix(2))
        return digits[0] * 10 + digits[1]
    }

    /// Completed years of age on a calendar day. Someone born on 29 February turns a year older on 1 March in
    /// years without that day.
    public func age(onYear year: Int, month: Int, day: Int) -> Int {
        let birth = birthDate
        let hadBirthday = (month, day) >= (birth.month, birth.day)
        return year - birth.year - (hadBirthday ? 0 : 1)
    }

    /// Completed years of age at an instant, on the Swedish calendar day it falls on.
    public func age(on date: Date) -> Int {
        let today = BirthDate(date)
        return age(onYear: today.year, month: today.month, day: today.day)
    }

    /// The masked form, so that the number cannot leak through string interpolation.
    public var description: String { masked }
    public var debugDescription: String { masked }
    // Without this, `dump` and debuggers would print the stored canonical number.
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked], displayStyle: .struct) }

    /// Parses the form used on the wire and in storage, which must carry its century: a ten-digit form would be
    /// read differently depending on the day it is decoded.
    static func parsingTwelveDigits(_ text: String) throws(IdentifierError) -> Personnummer {
        let digitCount = text.filter { $0.isASCII && $0.isNumber }.count
        guard digitCount == 12 else { throw .invalidLength(expected: "12 digits", got: digitCount) }
        return try Personnummer(parsing: text)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Self.parsingTwelveDigits(text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a personnummer: \(error)")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }

    /// The year ending in `twoDigitYear` that a ten-digit personnummer means on `reference`.
    private static func resolveYear(
        twoDigitYear: Int,
        month: Int,
        day: Int,
        centenarian: Bool,
        reference: BirthDate
    ) -> Int {
        // Subtracting 100 from the "not in the future" year would be wrong for `+` in the year of the 100th
        // birthday before the birthday itself, so `+` gets its own bound: born at least 100 calendar years ago.
        let latest = centenarian ? reference.year - 100 : reference.year
        var year = latest - ((latest - twoDigitYear) % 100 + 100) % 100
        if !centenarian, year == reference.year, (month, day) > (reference.month, reference.day) {
            year -= 100
        }
        return year
    }

    /// A calendar day (year, month, day) with no time or time zone, as a personnummer states a birth date.
    public struct BirthDate: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The year with its century, e.g. 1981.
        public let year: Int
        /// The month, 1–12.
        public let month: Int
        /// The day of the month, 1–31.
        public let day: Int

        /// Creates a day; the parts are not checked.
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }

        /// The day an instant falls on in Sweden, which is where the number's dates and ages are reckoned.
        init(_ date: Date) {
            // Through CalendarDate, which holds an instant beyond its calendar to the nearest end, never a trap.
            let day = CalendarDate.today(at: date)
            self.init(year: day.year, month: day.month, day: day.day)
        }

        public static func < (lhs: BirthDate, rhs: BirthDate) -> Bool {
            (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
        }

        /// ISO 8601, e.g. `1981-12-18`.
        public var description: String {
            let month = month < 10 ? "0\(month)" : "\(month)"
            let day = day < 10 ? "0\(day)" : "\(day)"
            return "\(year)-\(month)-\(day)"
        }

        /// Days in a month of the proleptic Gregorian calendar.
        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }
    }
}
