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
///
/// A demand interrupts when it reaches the debtor, not when it is sent (``interruptionDate(of:in:)``): the day
/// delivery reported the letter delivered (`delivery.document-delivered.v1`), the send date while no report has come,
/// and never for a letter delivery reported it could not deliver.
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

extension Preskription {
    /// The period after every written demand in `history` that interrupted it (``interruptionDate(of:in:)``).
    func interrupted(by history: [CollectionEvent]) -> Preskription {
        history.compactMap { Self.interruptionDate(of: $0, in: history) }.sorted().reduce(self) {
            $0.interrupted(on: $1)
        }
    }

    /// The day a demand in `history` interrupted preskription, or `nil` when it did not (docs/domain.md §7.4,
    /// preskriptionslagen 5 § 2: "genom att gäldenären får ett skriftligt krav eller en skriftlig erinran om
    /// fordringen från borgenären" — the demand must reach the debtor).
    ///
    /// - Delivery reported the letter delivered: the earliest day it did. That is the day the mail server accepted
    ///   the e-mail or the PDF went into the print batch: never after the letter can have reached the debtor, so the
    ///   limitation date it gives is never later than the true one (later would be the dangerous direction).
    /// - Delivery reported only failures: none. A demand that never reached the debtor interrupts nothing; the
    ///   claim keeps the earlier date until a later delivery of the same letter is reported.
    /// - No report yet (or a letter from before delivery reported to debt-collection): the day it was sent, the
    ///   fallback.
    /// Events that are not written demands to the debtor (``CollectionEvent/interruptsPreskription``) give `nil`.
    static func interruptionDate(of event: CollectionEvent, in history: [CollectionEvent]) -> CalendarDate? {
        guard let kind = event.demandDocumentKind else { return nil }
        let sentOn = event.date
        var delivered: CalendarDate?
        var failed = false
        for entry in history {
            guard let report = entry.deliveryReport, report.letter.kind == kind, report.letter.sentOn == sentOn
            else { continue }
            if report.delivered {
                // Delivered before it was sent cannot be; such a date never moves the interruption earlier.
                let day = max(entry.date, sentOn)
                delivered = delivered.map { min($0, day) } ?? day
            } else {
                failed = true
            }
        }
        if let delivered { return delivered }
        return failed ? nil : sentOn
    }
}
