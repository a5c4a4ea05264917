import KvittContracts

/// The automatic ladder of one case: from the history so far, the next step and its date.
///
/// The ladder (docs/domain.md §7.1–7.2, Billecta's FAQ):
/// 1. Påminnelse `reminderDaysAfterDue` days after the due date, with the 60 kr fee only when agreed (§7.1). A
///    reminder is optional (§7.2).
/// 2. Inkassokrav `collectionDaysAfterDue` days after the due date, or on the day the creditor sends the claim to
///    collection by hand; when the reminder went out late (postponed), the inkassokrav keeps the configured gap
///    after it. Fee 180 kr, or from a business debtor the 450 kr förseningsersättning instead, once per debt (§7.1). It
///    gives at least 8 days to pay and at least 4 bank days after presumed receipt
///    (``collectionLetterDueDate(sentOn:)``, §7.2).
/// 3. When the inkassokrav has fallen due unpaid (the day after its due date), the creditor is asked whether to go
///    on (Billecta's FAQ: "När inkassokravet är förfallet skickar vi en förfrågan till er"); the ladder then waits.
/// 4. After a decision to proceed, the application for betalningsföreläggande is prepared; only after the
///    inkassokrav's deadline may the creditor apply (§7.2), so never before the day after it.
///
/// Around the ladder: an amorteringsplan pauses it and a missed instalment resumes it from the day it was missed,
/// at the step where it stopped; långtidsbevakning adds a demand letter every quarter (``LongTermSurveillance``) and
/// does not stop an application to Kronofogden (Billecta's FAQ); a postponement moves the next step to a later date without
/// touching the due date (Billecta's FAQ: "En skickad faktura går inte att ändra förfallodatum på"); a recall or full payment
/// ends the case. Delivery's reports on the letters are in the history too, and skipped here: a letter's arrival
/// never moves, restarts or blocks a step.
struct CollectionLadder: Sendable, Equatable {
    /// An automatic step.
    enum Step: String, Sendable, Equatable, Codable {
        case reminder
        case collectionLetter
        case creditorDecisionRequested
        case enforcementApplicationPrepared
        case surveillanceLetter
    }

    /// The next automatic step and its date.
    struct ScheduledStep: Sendable, Equatable {
        /// What happens.
        let step: Step
        /// The day it happens (possibly already past, when the scheduler is behind: run it at once).
        let date: CalendarDate
        /// The fee the step charges the debtor, `nil` for none.
        let fee: CollectionFees.Kind?
        /// For an inkassokrav sent on ``date``: the date by which it must be paid.
        let paymentDueDate: CalendarDate?
    }

    /// What the case waits for when no automatic step is due.
    enum Waiting: Sendable, Equatable {
        /// Automatic collection is off; the creditor sends the claim to collection by hand.
        case manualCollection
        /// An amorteringsplan is being kept.
        case installmentPlan
        /// The creditor was asked whether to go on to Kronofogden and has not answered.
        case creditorDecision
        /// The creditor decided not to go on to Kronofogden; the case stays open for their next action (recall,
        /// långtidsbevakning).
        case creditorAction
        /// The application for betalningsföreläggande is prepared; the rest happens at Kronofogden.
        case kronofogden
        /// The next step's date would fall outside the calendar ``CalendarDate`` supports; nothing more happens
        /// automatically.
        case beyondSupportedCalendar
    }

    /// Why the case has ended.
    enum StopReason: Sendable, Equatable {
        case recalled
        case paid
    }

    /// The outlook of a case.
    enum Next: Sendable, Equatable {
        case scheduled(ScheduledStep)
        case waiting(Waiting)
        case stopped(StopReason)
    }

    /// The creditor's settings.
    let settings: CollectionSettings
    /// The invoice's due date; it never changes.
    let dueDate: CalendarDate
    /// Whether the debtor is a consumer or a business.
    let debtor: DebtorKind

    /// The next step after `history` (in the order it happened) while `outstanding` is still unpaid.
    func next(after history: [CollectionEvent], outstanding: Money) -> Next {
        let progress = Progress(history)
        if progress.recalled { return .stopped(.recalled) }
        guard outstanding.amount > 0 else { return .stopped(.paid) }
        switch unpostponed(progress) {
        case .scheduled(let step):
            guard let postponedTo = progress.pendingPostponement, postponedTo > step.date else {
                return .scheduled(step)
            }
            return .scheduled(scheduled(step.step, on: postponedTo))
        case let other:
            return other
        }
    }

    /// The most days a postponement may move the next step beyond its scheduled date (or today, when that is later):
    /// a year. The date comes from a command, and every later step is counted from it.
    static let maximumPostponementDays = 365

    /// The event that moves the next step to `newDate`; refused when nothing is scheduled, when `newDate` is not
    /// later than the scheduled date or is before `today`, and when it is more than ``maximumPostponementDays``
    /// after the later of the two.
    func postponement(
        after history: [CollectionEvent],
        outstanding: Money,
        to newDate: CalendarDate,
        today: CalendarDate
    ) throws(DebtCollectionError) -> CollectionEvent {
        guard case .scheduled(let step) = next(after: history, outstanding: outstanding) else {
            throw .nothingToPostpone
        }
        guard newDate > step.date, newDate >= today else {
            throw .postponementNotLater(scheduled: step.date, requested: newDate)
        }
        let latest = max(step.date, today).adding(days: Self.maximumPostponementDays)
        guard newDate <= latest else { throw .postponementTooFar(requested: newDate, latest: latest) }
        return .postponed(on: today, to: newDate)
    }

    /// The payment deadline of an inkassokrav sent on `sentOn` (docs/domain.md §7.2, IMY's general advice): the
    /// later of `sentOn` plus the configured days (never fewer than 8) and the 4th bank day after presumed receipt
    /// (``CollectionSettings/presumedDeliveryBankDays`` bank days after sending), moved to the next bank day when it
    /// falls on a weekend or holiday, so long weekends lengthen the period as the advice asks.
    func collectionLetterDueDate(sentOn: CalendarDate) -> CalendarDate {
        let days = max(CollectionSettings.minimumCollectionLetterPaymentDays, settings.collectionLetterPaymentDays)
        let receipt = SwedishBankDays.adding(bankDays: settings.presumedDeliveryBankDays, to: sentOn)
        let afterReceipt = SwedishBankDays.adding(
            bankDays: CollectionSettings.minimumBankDaysAfterReceipt,
            to: receipt
        )
        return SwedishBankDays.onOrAfter(max(sentOn.adding(days: days), afterReceipt))
    }

    /// The next step ignoring postponements.
    private func unpostponed(_ progress: Progress) -> Next {
        if progress.installmentPlanActive { return .waiting(.installmentPlan) }
        let floor = progress.resumedOn
        func at(_ step: Step, _ date: CalendarDate) -> Next {
            .scheduled(scheduled(step, on: floor.map { max($0, date) } ?? date))
        }
        if let decision = progress.decision, decision.proceed, progress.applicationPrepared == nil {
            let earliest = progress.letter.map { max(decision.on, $0.dueDate.adding(days: 1)) } ?? decision.on
            return at(.enforcementApplicationPrepared, earliest)
        }
        if let start = progress.surveillanceStarted {
            let surveillance = LongTermSurveillance(startingOn: start)
            guard let letter = surveillance.nextLetterDate(after: progress.lastSurveillanceLetter) else {
                return .waiting(.beyondSupportedCalendar)
            }
            return at(.surveillanceLetter, letter)
        }
        if progress.applicationPrepared != nil { return .waiting(.kronofogden) }
        if progress.decision != nil { return .waiting(.creditorAction) }
        if progress.decisionRequested { return .waiting(.creditorDecision) }
        if let letter = progress.letter { return at(.creditorDecisionRequested, letter.dueDate.adding(days: 1)) }
        if let requested = progress.collectionRequested { return at(.collectionLetter, requested) }
        let reminderDate = settings.reminderDaysAfterDue.map { dueDate.adding(days: $0) }
        if progress.reminderSent == nil, let reminderDate { return at(.reminder, reminderDate) }
        guard let collectionDays = settings.collectionDaysAfterDue else { return .waiting(.manualCollection) }
        var collectionDate = dueDate.adding(days: collectionDays)
        if let reminderSent = progress.reminderSent {
            let gap = settings.reminderDaysAfterDue.map { collectionDays - $0 } ?? 1
            collectionDate = max(collectionDate, reminderSent.adding(days: gap))
        }
        return at(.collectionLetter, collectionDate)
    }

    private func scheduled(_ step: Step, on date: CalendarDate) -> ScheduledStep {
        switch step {
        case .reminder:
            ScheduledStep(
                step: step,
                date: date,
                fee: debtor == .business ? .latePaymentCompensation : settings.reminderFeeAgreed ? .reminder : nil,
                paymentDueDate: nil
            )
        case .collectionLetter:
            ScheduledStep(
                step: step,
                date: date,
                fee: CollectionFees.collectionLetterFee(debtor: debtor),
                paymentDueDate: collectionLetterDueDate(sentOn: date)
            )
        case .enforcementApplicationPrepared:
            ScheduledStep(step: step, date: date, fee: .kronofogdenApplication, paymentDueDate: nil)
        case .creditorDecisionRequested, .surveillanceLetter:
            ScheduledStep(step: step, date: date, fee: nil, paymentDueDate: nil)
        }
    }

    /// The history folded into what the ladder needs.
    private struct Progress {
        var recalled = false
        var reminderSent: CalendarDate?
        var collectionRequested: CalendarDate?
        var letter: (sentOn: CalendarDate, dueDate: CalendarDate)?
        var decisionRequested = false
        var decision: (on: CalendarDate, proceed: Bool)?
        var applicationPrepared: CalendarDate?
        var installmentPlanActive = false
        var resumedOn: CalendarDate?
        var surveillanceStarted: CalendarDate?
        var lastSurveillanceLetter: CalendarDate?
        /// The date of the last postponement, when nothing else happened after it.
        var pendingPostponement: CalendarDate?

        init(_ history: [CollectionEvent]) {
            // Delivery's reports are skipped before anything else: a letter's arrival (or failure) after a
            // postponement must not cancel the postponement, nor count as progress of the ladder.
            for event in history where !event.isDeliveryReport {
                if case .postponed(_, let to) = event {
                    pendingPostponement = to
                    continue
                }
                pendingPostponement = nil
                switch event {
                case .reminderSent(let on): reminderSent = on
                case .collectionRequested(let on): collectionRequested = collectionRequested ?? on
                case .collectionLetterSent(let on, let dueDate): letter = (on, dueDate)
                case .creditorDecisionRequested: decisionRequested = true
                case .enforcementDecided(let on, let proceed): decision = (on, proceed)
                case .enforcementApplicationPrepared(let on): applicationPrepared = on
                case .installmentPlanCreated: installmentPlanActive = true
                case .installmentMissed(let on):
                    installmentPlanActive = false
                    resumedOn = on
                case .longTermSurveillanceStarted(let on): surveillanceStarted = surveillanceStarted ?? on
                case .surveillanceLetterSent(let on): lastSurveillanceLetter = on
                case .recalled: recalled = true
                case .postponed, .documentDelivered, .deliveryFailed: break
                }
            }
        }
    }
}
