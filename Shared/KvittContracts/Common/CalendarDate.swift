import Foundation

/// A calendar date without time (`2026-03-02` on the wire), for due dates and invoice dates.
///
/// Business rules compare calendar dates in Europe/Stockholm; ``today(at:)`` gives the Stockholm date of an instant.
///
/// Two ranges matter. A value can hold any date that exists from year 1 to 9999 (``representableYears``), so that
/// arithmetic inside a service never traps. What comes from outside — a message body, a file, a query parameter — must
/// lie in ``supportedRange`` (1900-01-01 … 2199-12-31): decoding and ``init(parsing:)`` refuse anything else, which
/// keeps a far-off date from reaching the arithmetic at all.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The years a value can hold: the proleptic Gregorian calendar from year 1 to 9999.
    public static let representableYears = 1...9999

    /// The dates Kvitt accepts from outside (messages, files, query parameters).
    public static let supportedRange = CalendarDate(unchecked: 1900, 1, 1)...CalendarDate(unchecked: 2199, 12, 31)

    /// The first and last dates a value can hold.
    public static let representableRange = CalendarDate(unchecked: 1, 1, 1)...CalendarDate(unchecked: 9999, 12, 31)

    /// Creates a date, or `nil` when it does not exist (2026-02-30) or lies outside ``representableYears``.
    ///
    /// This does not check ``supportedRange``: it builds dates a service computes. Dates from outside go through
    /// ``init(parsing:)`` or decoding.
    public init?(year: Int, month: Int, day: Int) {
        guard Self.representableYears.contains(year), (1...12).contains(month), day >= 1,
            day <= Self.days(in: month, of: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date known to exist (the range ends above).
    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` from outside: the date must exist and lie in ``supportedRange``.
    public init(parsing text: String) throws(CalendarDateError) {
        guard let (year, month, day) = Self.fields(of: text) else { throw .malformed }
        guard let date = CalendarDate(year: year, month: month, day: day) else { throw .nonexistent }
        guard Self.supportedRange.contains(date) else { throw .outsideSupportedRange }
        self = date
    }

    /// Parses `YYYY-MM-DD` as a service wrote it: any date that exists in ``representableYears``, also outside
    /// ``supportedRange``, so that reading back a stored value never fails on the range. Input from outside goes
    /// through ``init(parsing:)``.
    public init?(_ text: String) {
        guard let (year, month, day) = Self.fields(of: text) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The three numbers of `YYYY-MM-DD`, ASCII digits only (no signs, no spaces), or `nil`.
    private static func fields(of text: String) -> (year: Int, month: Int, day: Int)? {
        let bytes = Array(text.utf8.prefix(11))
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return (year, month, day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try CalendarDate(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\(error), got \(InputEcho.quoted(text))")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `YYYY-MM-DD`, the year with at least four digits.
    public var description: String {
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        let dayText = day < 10 ? "0\(day)" : "\(day)"
        return "\(paddedYear)-\(monthText)-\(dayText)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The Stockholm calendar.
    public static let stockholm: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        // Without the time zone database, Swedish standard time is the closest there is.
        calendar.timeZone = TimeZone(identifier: "Europe/Stockholm") ?? TimeZone(secondsFromGMT: 3600) ?? .current
        return calendar
    }()

    /// The date in Stockholm at an instant; an instant outside ``representableYears`` (a clock set absurdly far)
    /// gives the nearest end of that range rather than a trap.
    public static func today(at instant: Date) -> CalendarDate {
        let parts = stockholm.dateComponents([.era, .year, .month, .day], from: instant)
        if parts.era == 1, let year = parts.year, let month = parts.month, let day = parts.day,
            let date = CalendarDate(year: year, month: month, day: day)
        {
            return date
        }
        return instant.timeIntervalSince1970 < 0 ? representableRange.lowerBound : representableRange.upperBound
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for day arithmetic without time zones.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil; the year is at most 9999, so nothing here can overflow.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` later (or earlier, when negative), held to ``representableRange``: a result beyond it is the
    /// range's end. Day counts from outside go through ``adding(days:within:)``, which says when the result leaves
    /// the range instead.
    public func adding(days: Int) -> CalendarDate {
        let range = Self.representableRange
        let (target, overflow) = dayNumber.addingReportingOverflow(days)
        if overflow { return days < 0 ? range.lowerBound : range.upperBound }
        let clamped = min(max(target, range.lowerBound.dayNumber), range.upperBound.dayNumber)
        return Self.date(dayNumber: clamped) ?? (days < 0 ? range.lowerBound : range.upperBound)
    }

    /// The date `days` later (or earlier, when negative), or `nil` when it falls outside `range` (usually
    /// ``supportedRange``) or `days` is too large to count.
    public func adding(days: Int, within range: ClosedRange<CalendarDate>) -> CalendarDate? {
        let (target, overflow) = dayNumber.addingReportingOverflow(days)
        guard !overflow, (range.lowerBound.dayNumber...range.upperBound.dayNumber).contains(target) else {
            return nil
        }
        return Self.date(dayNumber: target)
    }

    /// Whole days from this date to `other` (positive when `other` is later).
    public func days(until other: CalendarDate) -> Int { other.dayNumber - dayNumber }

    /// The date of a day number (days since 1970-01-01), or `nil` outside ``representableRange``.
    private static func date(dayNumber: Int) -> CalendarDate? {
        guard (representableRange.lowerBound.dayNumber...representableRange.upperBound.dayNumber).contains(dayNumber)
        else { return nil }
        // Howard Hinnant's civil_from_days; within the representable range nothing here can overflow.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return CalendarDate(year: year, month: month, day: day)
    }

    static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Why a text from outside is not a ``CalendarDate``. The description never quotes the text.
public enum CalendarDateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not `YYYY-MM-DD` with ASCII digits.
    case malformed
    /// The numbers name no day (2026-02-30, month 13).
    case nonexistent
    /// A real date outside ``CalendarDate/supportedRange``.
    case outsideSupportedRange

    public var description: String {
        switch self {
        case .malformed: "expected a date YYYY-MM-DD"
        case .nonexistent: "no such day in the calendar"
        case .outsideSupportedRange:
            "outside the supported dates \(CalendarDate.supportedRange.lowerBound)…"
                + "\(CalendarDate.supportedRange.upperBound)"
        }
    }
}
