import KvittContracts

/// Långtidsbevakning: a renewed demand letter every quarter to keep the claim from being time-barred, for a
/// platform fee per quarter.
///
/// Rules: docs/domain.md §7.5 (periodic renewed demands keep the claim alive through preskription interruptions)
/// and Billecta's FAQ ("förnyade kravbrev skickas till er kund med jämna mellanrum", "99 SEK per kvartal och
/// ärende"; surveillance does not stop an application to Kronofogden). Each letter that reaches the debtor
/// interrupts preskription (preskriptionslagen 5 § 2, §7.4), so it only works with a current address; Billecta's FAQ pairs
/// it with address tracking.
///
/// The first letter goes out on the start date and then every three months, on the start's day of the month, or on
/// the month's last day when the month is shorter. Every date is counted from the start, not from the previous
/// letter, so a short month does not pull the later letters earlier: from 2026-01-31 the letters go out 2026-04-30,
/// 2026-07-31, 2026-10-31. Quarter *n* runs from letter *n* up to the day before letter *n + 1*, and each quarter
/// begun costs the platform fee.
struct LongTermSurveillance: Sendable, Equatable, Codable {
    /// Months between two demand letters.
    static let monthsBetweenLetters = 3

    /// The day surveillance started and the first letter went out.
    let startDate: CalendarDate

    init(startingOn startDate: CalendarDate) {
        self.startDate = startDate
    }

    /// The date of letter `index` (0 for the first, on the start date); `nil` outside the supported calendar.
    func letterDate(_ index: Int) -> CalendarDate? {
        let (months, overflow) = index.multipliedReportingOverflow(by: Self.monthsBetweenLetters)
        return overflow ? nil : startDate.adding(months: months)
    }

    /// The letter dates from the start through `through`, inclusive.
    func letterDates(through: CalendarDate) -> [CalendarDate] {
        var dates: [CalendarDate] = []
        while let date = letterDate(dates.count), date <= through { dates.append(date) }
        return dates
    }

    /// The first letter date after `date`, or the start date when `date` is `nil` (no letter sent yet); `nil` when it
    /// would fall outside the supported calendar.
    func nextLetterDate(after date: CalendarDate?) -> CalendarDate? {
        guard let date else { return startDate }
        // Start from an estimate one quarter before the month difference suggests, then walk forward.
        let months = (date.year - startDate.year) * 12 + (date.month - startDate.month)
        var index = max(0, months / Self.monthsBetweenLetters - 1)
        while let letter = letterDate(index) {
            if letter > date { return letter }
            index += 1
        }
        return nil
    }

    /// `preskription` after every letter sent from the start through `through`, each an interruption.
    func preskription(_ preskription: Preskription, afterLettersThrough through: CalendarDate) -> Preskription {
        letterDates(through: through).reduce(preskription) { $0.interrupted(on: $1) }
    }
}
