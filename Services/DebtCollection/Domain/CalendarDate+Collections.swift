import KvittContracts

/// Calendar arithmetic that the collection rules need beyond ``CalendarDate/adding(days:)``.
extension CalendarDate {
    /// The date `months` calendar months later (earlier when negative), on the same day of the month or, when that
    /// month is shorter, on its last day: 2026-01-31 plus one month is 2026-02-28. `nil` when that date falls outside
    /// the calendar ``CalendarDate`` supports (a claim's ten-year preskription from an invoice dated near its end).
    ///
    /// This is how Swedish law counts periods in months and years (lag (1930:173) om beräkning av lagstadgad tid,
    /// 1 §: a period ends on the day with the same number, or the last day of the month when there is none). The
    /// statute is not quoted in docs/domain.md; its NJA 2022 s. 150 example (utslag 2004-10-05, earliest
    /// preskription 2007-10-05, §7.4) agrees.
    func adding(months: Int) -> CalendarDate? {
        // The year of a valid date is small, so `year × 12 + month − 1` cannot overflow; `months` can be anything.
        let (monthIndex, overflow) = (year * 12 + (month - 1)).addingReportingOverflow(months)
        guard !overflow else { return nil }
        let newYear = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let newMonth = monthIndex - newYear * 12 + 1
        // Every month has a 28th, so when even that does not exist the year is outside the supported calendar.
        for newDay in stride(from: day, through: min(day, 28), by: -1) {
            if let date = CalendarDate(year: newYear, month: newMonth, day: newDay) { return date }
        }
        return nil
    }

    /// The date `years` calendar years later, clamped to the month's end (a 29 February becomes 28 February); `nil`
    /// outside the supported calendar.
    func adding(years: Int) -> CalendarDate? {
        let (months, overflow) = years.multipliedReportingOverflow(by: 12)
        return overflow ? nil : adding(months: months)
    }

    /// The day of the week, Monday 1 through Sunday 7 (ISO 8601).
    var isoWeekday: Int {
        // 1970-01-01, day number 0, was a Thursday (4).
        let offset = (dayNumber + 3) % 7
        return (offset < 0 ? offset + 7 : offset) + 1
    }

    /// Whether the date is a Saturday or a Sunday.
    var isWeekend: Bool { isoWeekday >= 6 }
}
