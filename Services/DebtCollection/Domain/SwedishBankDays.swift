import KvittContracts

/// Swedish bank days: Monday to Friday, except public holidays and the three eves on which banks and Bankgirot are
/// closed.
///
/// Needed for the inkassokrav's payment period: the debtor should have at least four bank days after presumed
/// receipt (docs/domain.md §7.2, IMY's general advice). docs/domain.md does not list the holidays; they are
/// computed here from lag (1989:253) om allmänna helgdagar, with Easter from the Gregorian computus, so there is no
/// table to keep up to date. Public holidays on a weekday: nyårsdagen (1 January), trettondedag jul (6 January),
/// långfredagen, annandag påsk, första maj, Kristi himmelsfärdsdag (39 days after Easter Sunday), nationaldagen
/// (6 June), juldagen and annandag jul (25–26 December). Påskdagen, pingstdagen, midsommardagen and alla helgons dag
/// always fall on a weekend. The eves midsommarafton (the Friday 19–25 June), julafton (24 December) and nyårsafton
/// (31 December) are not public holidays but are not bank days either (bank practice, also not in the domain
/// reference).
enum SwedishBankDays {
    /// Whether `date` is a bank day.
    static func isBankDay(_ date: CalendarDate) -> Bool {
        !date.isWeekend && !closedWeekdays(in: date.year).contains(date)
    }

    /// The `count`-th bank day after `date` (not counting `date` itself); `date` when `count` is zero or less. At the
    /// end of the supported calendar, where the next day cannot be formed, the last day reached.
    static func adding(bankDays count: Int, to date: CalendarDate) -> CalendarDate {
        var result = date
        var remaining = count
        while remaining > 0 {
            let next = result.adding(days: 1)
            guard next > result else { break }
            result = next
            if isBankDay(result) { remaining -= 1 }
        }
        return result
    }

    /// `date` when it is a bank day, otherwise the next bank day (or the last day of the supported calendar).
    static func onOrAfter(_ date: CalendarDate) -> CalendarDate {
        var result = date
        while !isBankDay(result) {
            let next = result.adding(days: 1)
            guard next > result else { break }
            result = next
        }
        return result
    }

    /// Easter Sunday of `year` (anonymous Gregorian algorithm, Meeus/Jones/Butcher); `nil` for a year outside the
    /// supported calendar.
    static func easterSunday(_ year: Int) -> CalendarDate? {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDate(year: year, month: month, day: day)
    }

    /// The public holidays and bank-closed eves of `year` that can fall on a weekday, in date order.
    static func closedWeekdays(in year: Int) -> [CalendarDate] {
        let midsummerEve = (19...25).lazy.compactMap { CalendarDate(year: year, month: 6, day: $0) }
            .first { $0.isoWeekday == 5 }
        let fixed = [(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)].compactMap {
            CalendarDate(year: year, month: $0.0, day: $0.1)
        }
        let moving = easterSunday(year).map { [$0.adding(days: -2), $0.adding(days: 1), $0.adding(days: 39)] } ?? []
        return (fixed + moving + [midsummerEve].compactMap { $0 }).sorted()
    }
}
