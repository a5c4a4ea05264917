import KvittContracts

/// When a claim becomes time-barred (preskriberas), and when to warn before it.
///
/// Rules (docs/domain.md §7.4, preskriptionslag (1981:130)):
/// - 2 §: ten years after the claim arose ("tio år efter tillkomsten"), but three years for a claim on a consumer for
///   goods or services a business supplied for mainly private use. Kvitt's creditors are businesses, so a
///   ``DebtorKind/consumer`` debtor gives three years.
/// - 5 §: the period is interrupted by the debtor acknowledging the claim (a promise to pay, a payment of interest
///   or an instalment), by a written demand or reminder that reaches the debtor, or by action at court or
///   Kronofogden; a new period of the same length then starts from the interruption (docs/domain.md §7.4). It cannot be
///   contracted away (12 §).
/// - Counting: a period in years ends on the same date that many years later, on the month's last day when there is
///   no such date (``CalendarDate/adding(years:)``); NJA 2022 s. 150: utslag 2004-10-05, earliest preskription
///   2007-10-05. The claim is treated as time-barred from ``date`` itself, so the creditor must act before it.
///
/// The period starts when the claim arose: the delivery, or failing that the invoice date, not the due date. Using
/// the due date would give a date too late, which is the dangerous direction.
struct Preskription: Sendable, Equatable, Codable {
    /// The length of the period.
    enum Period: String, Sendable, Equatable, Codable {
        /// Three years: a business's claim on a consumer (2 § second sentence).
        case consumer
        /// Ten years: every other claim (2 § first sentence).
        case general

        /// The period in years.
        var years: Int { self == .consumer ? 3 : 10 }

        /// The period for a claim on `debtor`; three years only when a business (`creditorIsBusiness`) claims on a
        /// consumer.
        init(debtor: DebtorKind, creditorIsBusiness: Bool = true) {
            self = debtor == .consumer && creditorIsBusiness ? .consumer : .general
        }
    }

    /// How long the period is.
    let period: Period
    /// The day the current period started: when the claim arose, or its last interruption.
    let startedOn: CalendarDate

    /// The period of a claim that arose on `claimArose` (the delivery or invoice date).
    init(period: Period, claimArose: CalendarDate) {
        self.period = period
        self.startedOn = claimArose
    }

    /// The day the claim becomes time-barred unless interrupted before it; `nil` when that day falls after the end
    /// of the supported calendar (a claim that arose in its last years), which no check can reach.
    var date: CalendarDate? { startedOn.adding(years: period.years) }

    /// The period after an interruption on `date` (a demand or reminder that reached the debtor, a payment, an
    /// acknowledgement, an application to Kronofogden). An interruption before the current start changes nothing,
    /// and neither does one on or after ``date``: a time-barred claim cannot be revived.
    func interrupted(on interruption: CalendarDate) -> Preskription {
        guard interruption > startedOn, date.map({ interruption < $0 }) ?? true else { return self }
        return Preskription(period: period, claimArose: interruption)
    }

    /// The day to warn that the claim will soon be time-barred: `daysBefore` days before ``date``.
    func warningDate(daysBefore: Int = 90) -> CalendarDate? { date?.adding(days: -daysBefore) }

    /// Whether the claim is time-barred on `today`.
    func isTimeBarred(on today: CalendarDate) -> Bool { date.map { today >= $0 } ?? false }

    /// Whether `today` falls in the warning window: on or after the warning date and before the claim is
    /// time-barred.
    func needsWarning(on today: CalendarDate, daysBefore: Int = 90) -> Bool {
        guard let warning = warningDate(daysBefore: daysBefore) else { return false }
        return today >= warning && !isTimeBarred(on: today)
    }
}
