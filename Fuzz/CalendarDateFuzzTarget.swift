import Foundation
import KvittContracts

/// Fuzz target `calendar-date`: any text as a date (`CalendarDate(parsing:)`, the lenient `CalendarDate(_:)` and
/// the JSON decoder), any three integers as year, month and day, any instant as "today", and day and month
/// arithmetic on every date that comes out.
///
/// Parsing must refuse what is not a date, never trap, and the decoder must accept exactly what
/// `init(parsing:)` accepts (the supported range). A date must print in the form it parses (`YYYY-MM-DD`). Adding
/// any number of days — a payment term in a command is an integer from outside — or months (the debt-collection
/// rules' `adding(months:)`) must not trap, must stay within the representable range, and where the result exists
/// it must be exactly that many days away.
///
/// Input: eight bytes each of days to add, months to add, an instant (seconds since 1970), year, month and day, then
/// the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let days = Int(input.int64())
    let months = Int(input.int64())
    let instant = Date(timeIntervalSince1970: TimeInterval(input.int64()))
    let parts = (year: Int(input.int64()), month: Int(input.int64()), day: Int(input.int64()))
    let text = input.restAsText()

    if let date = CalendarDate(year: parts.year, month: parts.month, day: parts.day) {
        checkDate(date, days: days, months: months)
    }
    checkDate(CalendarDate.today(at: instant), days: days, months: months)
    let strict = try? CalendarDate(parsing: text)
    if let strict {
        require(CalendarDate.supportedRange.contains(strict), "\(strict) parsed from outside the supported range")
        require(CalendarDate(text) == strict, "the lenient parser disagrees on \(text)")
    }
    if let lenient = CalendarDate(text) { checkDate(lenient, days: days, months: months) }
    guard let json = try? MessageCoding.encode(text) else { fail("a string does not encode as JSON") }
    require(
        (try? MessageCoding.decode(CalendarDate.self, from: json)) == strict,
        "decoder and parser disagree: \(text)"
    )
    return 0
}

private func checkDate(_ date: CalendarDate, days: Int, months: Int) {
    let representable = CalendarDate.representableRange
    require(representable.contains(date), "\(date) is outside the representable range")
    require(CalendarDate(date.description) == date, "\(date) does not parse back from its own text")
    if CalendarDate.supportedRange.contains(date) {
        guard let json = try? MessageCoding.encode(date) else { fail("\(date) does not encode") }
        require((try? MessageCoding.decode(CalendarDate.self, from: json)) == date, "\(date) JSON round trip")
    }
    checkDays(date, days: days)
    if let later = date.adding(months: months) {
        require(representable.contains(later), "\(date) plus \(months) months is \(later), outside the range")
        require(later.day <= date.day, "\(date) plus \(months) months moved the day forward to \(later)")
    }
    _ = date.isoWeekday
}

private func checkDays(_ date: CalendarDate, days: Int) {
    let representable = CalendarDate.representableRange
    let held = date.adding(days: days)
    require(representable.contains(held), "\(date) plus \(days) days is \(held), outside the range")
    if let exact = date.adding(days: days, within: representable) {
        require(exact == held, "\(date) plus \(days) days: \(exact) exactly, \(held) held to the range")
        require(date.days(until: exact) == days, "\(date) plus \(days) days is \(exact)")
    } else {
        require(held == representable.lowerBound || held == representable.upperBound, "\(held) is not an end")
    }
    if let supported = date.adding(days: days, within: CalendarDate.supportedRange) {
        require(CalendarDate.supportedRange.contains(supported), "\(supported) is outside the supported range")
        require(date.days(until: supported) == days, "\(date) plus \(days) days is \(supported)")
    }
}
