import KvittContracts

/// The Riksbank's referensränta by half-year, in basis points (200 = 2.00 %), the base of dröjsmålsränta.
///
/// Rules (docs/domain.md §7.3): the reference rate is the Riksbank policy rate at the end of the previous
/// half-year rounded up to the nearest half percentage point, set for 1 January and 1 July (räntelagen 9 §). So every
/// entry starts on 1 January or 1 July and applies until the next entry; the last entry applies to the end of its
/// own half-year and no further, because the next value is not known yet. A day outside the table has no rate, and
/// interest over it is refused rather than guessed: configure each new half-year's rate when the Riksbank
/// announces it.
///
/// The table is configurable (``init(_:)``, or JSON as an array of `{"from": "2026-01-01", "basisPoints": 200}`);
/// ``riksbank`` holds the values docs/domain.md gives.
struct ReferenceRateTable: Sendable, Equatable, Codable {
    /// A reference rate from a date (1 January or 1 July) until the next entry.
    struct Entry: Sendable, Equatable, Codable {
        /// The first day the rate applies.
        let from: CalendarDate
        /// The annual rate in basis points; may be negative (it was, 2016–2019).
        let basisPoints: Int
    }

    /// A stretch of days with one reference rate, both ends inclusive.
    struct Period: Sendable, Equatable {
        let from: CalendarDate
        let through: CalendarDate
        let basisPoints: Int
    }

    /// The reference rates a table accepts, in basis points: far wider than any rate the Riksbank has set, and
    /// narrow enough that the rate plus the margin, times any amount and any number of days, is computed exactly.
    static let allowedBasisPoints = -10_000...10_000

    /// The entries in date order.
    let entries: [Entry]
    /// The last day the table covers: the end of the half-year of the last entry.
    let coveredThrough: CalendarDate

    /// Builds a table from entries in any order; refuses an empty table, a date that is not 1 January or 1 July,
    /// a rate outside ``allowedBasisPoints``, two entries for the same half-year, a missing half-year between two
    /// entries (which would otherwise carry an old rate forward silently) and a last half-year that ends outside the
    /// supported calendar.
    init(_ entries: [Entry]) throws(DebtCollectionError) {
        guard !entries.isEmpty else { throw .invalidRateTable("the table needs at least one entry") }
        let sorted = entries.sorted { $0.from < $1.from }
        for entry in sorted where entry.from.day != 1 || (entry.from.month != 1 && entry.from.month != 7) {
            throw .invalidRateTable("\(entry.from) is not 1 January or 1 July; the rate is set per half-year")
        }
        for entry in sorted where !Self.allowedBasisPoints.contains(entry.basisPoints) {
            throw .invalidRateTable(
                "the rate from \(entry.from) (\(entry.basisPoints) bp) is outside \(Self.allowedBasisPoints) bp"
            )
        }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where later.from != earlier.from.adding(months: 6) {
            throw .invalidRateTable(
                earlier.from == later.from
                    ? "two entries for \(later.from)" : "no entry for the half-year after \(earlier.from)"
            )
        }
        guard let end = sorted[sorted.count - 1].from.adding(months: 6) else {
            throw .invalidRateTable("the half-year from \(sorted[sorted.count - 1].from) ends outside the calendar")
        }
        self.entries = sorted
        self.coveredThrough = end.adding(days: -1)
    }

    init(from decoder: any Decoder) throws {
        let entries = try decoder.singleValueContainer().decode([Entry].self)
        do {
            try self.init(entries)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description)
            )
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }

    /// The built-in table, in the text format of ``init(parsing:)``: every half-year's rate the Riksbank has
    /// published that could be sourced (docs/domain.md §7.3). `config/reference-rates.txt` is the same text, shipped
    /// for operators to copy and extend (`REFERENCE_RATES_FILE`); a test keeps the two identical.
    static let builtInText = """
        # Riksbank reference rate (referensränta) per calendar half-year, räntelagen (1975:635) 9 §:
        # the Riksbank's policy rate at the end of the previous half-year, rounded up to the nearest
        # half percentage point. One line per half-year: the first day (1 January or 1 July) and the
        # rate in percent with at most two decimals. No gaps; the last line's half-year is the last
        # day interest can be computed for.
        # Sources: riksbank.se ("Referensräntan fastställd till …") and Svensk författningssamling
        # (Tillkännagivande av uppgift om Riksbankens referensränta).
        2023-07-01  3.50
        2024-01-01  4.00
        2024-07-01  4.00
        2025-01-01  3.00
        2025-07-01  2.00
        2026-01-01  2.00

        """

    /// The built-in table (``builtInText``), covering through 2026-06-30: the rate from 2026-07-01 could not be
    /// sourced, so a case that needs it is held (`reference-rate-missing`) until an operator supplies it.
    static let riksbank: ReferenceRateTable = {
        do {
            return try ReferenceRateTable(parsing: builtInText)
        } catch {
            // The text is a constant that a unit test parses: this cannot happen in a build that passed its tests.
            preconditionFailure("the built-in reference-rate table does not parse: \(error)")
        }
    }()

    /// A line of a reference-rate file that cannot be used, with its 1-based number.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The line at fault; 0 when the problem is the table as a whole (empty, a gap between half-years).
        let line: Int
        let problem: String
        var description: String { line > 0 ? "line \(line): \(problem)" : problem }
    }

    /// Parses the text format: one `YYYY-MM-DD  P.PP` per line (the half-year's first day and the rate in
    /// percent, at most two decimals, may be negative); `#` starts a comment; blank lines are ignored. Strict: a
    /// line that is not exactly that is an error naming the line, because a silently skipped line would make
    /// interest wrong for half a year.
    init(parsing text: String) throws(ParseError) {
        var entries: [Entry] = []
        var lineOfEntry: [CalendarDate: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw ParseError(line: number, problem: "expected a date and a rate in percent, got '\(content)'")
            }
            guard let from = CalendarDate(String(fields[0])) else {
                throw ParseError(line: number, problem: "'\(fields[0])' is not a date YYYY-MM-DD")
            }
            guard let basisPoints = Self.basisPoints(percent: fields[1]) else {
                throw ParseError(
                    line: number,
                    problem: "'\(fields[1])' is not a rate in percent with at most two decimals (like 2.00 or -0.50)"
                )
            }
            if let earlier = lineOfEntry[from] {
                throw ParseError(line: number, problem: "\(from) is already given on line \(earlier)")
            }
            lineOfEntry[from] = number
            entries.append(Entry(from: from, basisPoints: basisPoints))
        }
        do {
            try self.init(entries)
        } catch {
            // The entries' own rules (1 January or 1 July, no gap, the allowed range) point at the first line involved.
            let line = entries.first { error.description.contains($0.from.description) }.flatMap {
                lineOfEntry[$0.from]
            }
            throw ParseError(line: line ?? 0, problem: error.description)
        }
    }

    /// `2.00` → 200, `-0.5` → -50, `4` → 400; `nil` for anything else (three decimals, a comma, an exponent).
    static func basisPoints(percent text: Substring) -> Int? {
        var digits = text
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 3,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            let wholeValue = Int(whole), wholeValue >= 0
        else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let decimals = parts[1]
            guard (1...2).contains(decimals.count), decimals.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(decimals)
            else { return nil }
            fraction = decimals.count == 1 ? value * 10 : value
        }
        let points = wholeValue * 100 + fraction
        guard allowedBasisPoints.contains(negative ? -points : points) else { return nil }
        return negative ? -points : points
    }

    /// The entries as the text format, one line each: what an operator's file would hold for this table.
    var text: String {
        entries.map { entry in
            let magnitude = abs(entry.basisPoints)
            let fraction = magnitude % 100
            return
                "\(entry.from)  \(entry.basisPoints < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        }.joined(separator: "\n") + "\n"
    }

    /// The reference rate on `date` in basis points, or `nil` when the table does not cover the date.
    func rate(on date: CalendarDate) -> Int? {
        guard date <= coveredThrough else { return nil }
        return entries.last { $0.from <= date }?.basisPoints
    }

    /// The days `from` through `through` (inclusive) cut at every rate change; empty when `through` is before
    /// `from`. Consecutive entries with the same rate still make separate periods, one per half-year, so that each
    /// line of an interest specification names one published rate.
    func periods(from: CalendarDate, through: CalendarDate) throws(DebtCollectionError) -> [Period] {
        guard from <= through else { return [] }
        guard let first = entries.lastIndex(where: { $0.from <= from }) else { throw .noReferenceRate(on: from) }
        guard through <= coveredThrough else { throw .noReferenceRate(on: coveredThrough.adding(days: 1)) }
        var result: [Period] = []
        var start = from
        for index in first..<entries.count where start <= through {
            let end = index + 1 < entries.count ? entries[index + 1].from.adding(days: -1) : coveredThrough
            let periodEnd = min(end, through)
            result.append(Period(from: start, through: periodEnd, basisPoints: entries[index].basisPoints))
            start = periodEnd.adding(days: 1)
        }
        return result
    }
}
