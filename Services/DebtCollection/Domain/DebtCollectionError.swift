import KvittContracts

/// Why a debt-collection rule refused its input.
///
/// Descriptions carry dates, counts and amounts only, never a debtor's name or identity number, so they can go to
/// logs and rejection events as they are.
enum DebtCollectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An amount could not be added, split or compared (different currencies, overflow).
    case money(MoneyError)
    /// The reference-rate table has no rate for a day the interest runs over.
    case noReferenceRate(on: CalendarDate)
    /// A reference-rate table was configured with entries that break its rules.
    case invalidRateTable(String)
    /// Late-payment interest was asked for on a negative principal.
    case negativePrincipal(Money)
    /// A creditor's collection settings are inconsistent.
    case invalidSettings(String)
    /// An instalment plan was asked for with fewer than 2 or more than 36 instalments.
    case invalidInstallmentCount(Int)
    /// The instalment dates are not strictly increasing.
    case installmentDatesNotIncreasing
    /// The first instalment falls before today.
    case firstInstallmentInThePast(first: CalendarDate, today: CalendarDate)
    /// The balance to split into instalments is zero or negative.
    case nonPositiveBalance(Money)
    /// The case has no scheduled automatic event to postpone.
    case nothingToPostpone
    /// A postponement must move the next event to a later date than the one scheduled, and not into the past.
    case postponementNotLater(scheduled: CalendarDate, requested: CalendarDate)
    /// A postponement may move the next event at most ``CollectionLadder/maximumPostponementDays`` ahead.
    case postponementTooFar(requested: CalendarDate, latest: CalendarDate)
    /// A sum or difference of a case's amounts would not fit in 64 bits of minor units (forged or corrupt amounts).
    case amountOverflow(String)
    /// A date the rules need falls outside the calendar ``CalendarDate`` supports.
    case dateOutOfRange(String)
    /// A stored case cannot be read back (a date, the history or the installment plan).
    case unreadableCase(String)

    var description: String {
        switch self {
        case .money(let error):
            "amount error: \(error)"
        case .noReferenceRate(let date):
            "the reference-rate table has no rate for \(date); configure the Riksbank rate for that half-year"
        case .invalidRateTable(let reason):
            "invalid reference-rate table: \(reason)"
        case .negativePrincipal(let principal):
            "late-payment interest needs a principal of zero or more, got \(principal)"
        case .invalidSettings(let reason):
            "invalid collection settings: \(reason)"
        case .invalidInstallmentCount(let count):
            "an instalment plan has 2–36 instalments, got \(count)"
        case .installmentDatesNotIncreasing:
            "the instalment dates must be strictly increasing"
        case .firstInstallmentInThePast(let first, let today):
            "the first instalment (\(first)) must not be before today (\(today))"
        case .nonPositiveBalance(let balance):
            "the balance to split must be above zero, got \(balance)"
        case .nothingToPostpone:
            "the case has no scheduled automatic event to postpone"
        case .postponementNotLater(let scheduled, let requested):
            "the new date \(requested) must be later than the scheduled \(scheduled) and not in the past"
        case .postponementTooFar(let requested, let latest):
            "the new date \(requested) is too far ahead; the latest allowed is \(latest)"
        case .amountOverflow(let what):
            "amount overflow: \(what) does not fit in 64-bit minor units"
        case .dateOutOfRange(let what):
            "date out of range: \(what)"
        case .unreadableCase(let what):
            "the stored case cannot be read: \(what)"
        }
    }
}
