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

    /// The rates docs/domain.md gives (§7.3): 2024 from riksbank.se, 2025–2026 from a secondary table
    /// (marked UNCONFIRMED against riksbank.se there). 4.00 % from 2024-01-01 and 2024-07-01, 3.00 % from 2025-01-01,
    /// 2.00 % from 2025-07-01 and 2026-01-01; covers through 2026-06-30 (the 2026-07-01 value was not available).
    static let riksbank: ReferenceRateTable = try! ReferenceRateTable([
        Entry(from: CalendarDate("2024-01-01")!, basisPoints: 400),
        Entry(from: CalendarDate("2024-07-01")!, basisPoints: 400),
        Entry(from: CalendarDate("2025-01-01")!, basisPoints: 300),
        Entry(from: CalendarDate("2025-07-01")!, basisPoints: 200),
        Entry(from: CalendarDate("2026-01-01")!, basisPoints: 200),
    ])

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
