import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging

/// Runs a case's ladder inside a transaction: computes its next automatic step, takes due steps, charges fees and
/// interest, and publishes what happened through `emit` (a handler's outbox, or the scheduler's).
///
/// Every amount is checked arithmetic and every stored date is parsed, never force-unwrapped: a case with forged or
/// corrupt data makes a step throw, and ``advance(_:)`` turns that into a held case instead of a failed pass.
struct CaseEngine {
    let db: Database
    /// "Now" from the service's clock: when a hold starts and when it is retried.
    let now: Date
    let today: CalendarDate
    let rates: ReferenceRateTable
    let logger: Logger
    /// Publishes a message, with the message id given (a letter's, which ties delivery's reports to it) or a new one.
    let publish: (any KvittMessage, _ messageID: String?) throws -> Void

    init(
        db: Database,
        now: Date,
        rates: ReferenceRateTable,
        logger: Logger,
        publish: @escaping (any KvittMessage, _ messageID: String?) throws -> Void
    ) {
        self.db = db
        self.now = now
        self.today = CalendarDate.today(at: now)
        self.rates = rates
        self.logger = logger
        self.publish = publish
    }

    /// Publishes `message` through the handler's or the scheduler's outbox.
    func emit(_ message: any KvittMessage, messageID: String? = nil) throws {
        try publish(message, messageID)
    }

    func creditor(_ id: String) throws -> CollectionCreditor? {
        try CollectionCreditor.fetchOne(db, key: id)
    }

    /// The ladder for a case; a creditor without valid automatic settings gets manual collection only.
    func ladder(_ record: CollectionCase) throws -> CollectionLadder {
        let settings =
            try creditor(record.creditorID).flatMap { creditor in
                try? CollectionSettings(
                    reminderDaysAfterDue: creditor.reminderDaysAfterDue,
                    collectionDaysAfterDue: creditor.collectionDaysAfterDue,
                    reminderFeeAgreed: creditor.reminderFeeAgreed
                )
            } ?? .manual
        return CollectionLadder(
            settings: settings,
            dueDate: try record.due,
            debtor: record.debtorKind == "business" ? .business : .consumer
        )
    }

    /// Stores the next automatic step (or none), closing the case when it is paid.
    func reschedule(_ record: inout CollectionCase) throws {
        switch try ladder(record).next(after: try record.events, outstanding: record.money(try record.outstanding)) {
        case .scheduled(let step):
            record.nextStep = step.step.rawValue
            record.nextDate = step.date.description
        case .waiting:
            record.nextStep = nil
            record.nextDate = nil
        case .stopped(let reason):
            record.nextStep = nil
            record.nextDate = nil
            if record.status == "open" {
                record.status = "closed"
                try emit(CaseClosed(invoiceID: record.invoiceID, reason: reason == .paid ? "paid" : "recalled"))
            }
            record.releaseHold()
        }
        // The change that led here (a payment, a credit, a creditor's command) may have removed the reason a held
        // case could not advance: the next pass tries it at once instead of after its backoff.
        if record.heldReason != nil { record.heldRetryAt = nil }
        try record.update(db)
    }

    /// What ``advance(_:)`` did with a case.
    enum Advance: Equatable {
        /// A step was taken (and a hold, if any, ended).
        case tookStep
        /// Nothing was due (and a hold, if any, ended: the case is readable and computable again).
        case nothingDue
        /// The step could not be taken; the case is held with this reason, and nothing of the step remains.
        case held(CaseHold)
    }

    /// Takes the case's due step, if any, in a savepoint of its own, so that one case can never fail its neighbours.
    ///
    /// The step's events are staged and published only once it has succeeded. When it throws, its writes are rolled
    /// back, its events dropped, and the case is held with the reason (``hold(_:_:)``); the caller goes on with the
    /// next case. Errors of the database itself (busy, full, I/O) are not the case's fault: they are rethrown and
    /// end the caller's transaction, to be tried again as a whole.
    func advance(_ record: inout CollectionCase) throws -> Advance {
        let staged = StagedMessages()
        let engine = CaseEngine(db: db, now: now, rates: rates, logger: logger) { message, messageID in
            staged.messages.append((message, messageID))
        }
        var working = record
        var tookStep = false
        var failure: (any Error)?
        try db.inSavepoint {
            do {
                tookStep = try engine.runDue(&working)
                if working.heldReason != nil {
                    working.releaseHold()
                    try working.update(db)
                }
                return .commit
            } catch let error as DatabaseError {
                throw error
            } catch {
                failure = error
                return .rollback
            }
        }
        if let failure {
            let hold = CaseHold(failure)
            try self.hold(&record, hold)
            return .held(hold)
        }
        if let ended = record.heldReason {
            logger.info(
                "collection case no longer held",
                metadata: ["invoice.id": "\(record.invoiceID)", "hold.reason": "\(ended)"]
            )
        }
        // Our own events: encoding them cannot fail on the case's data, and an outbox write that fails is the
        // database's failure, which ends the transaction like any other.
        for (message, messageID) in staged.messages { try emit(message, messageID: messageID) }
        record = working
        return tookStep ? .tookStep : .nothingDue
    }

    /// Holds the case: stores the reason and when to try again (``CaseHold/retryDelay(afterAttempts:)``). A new
    /// hold, or one whose reason changed, is logged once as a warning; a retry that fails the same way only counts
    /// the attempt, so a held case does not fill the log on every pass.
    func hold(_ record: inout CollectionCase, _ hold: CaseHold) throws {
        if record.heldReason == hold.reason.rawValue, record.heldSince != nil {
            record.heldAttempts = record.heldAttempts == .max ? .max : record.heldAttempts + 1
        } else {
            record.heldSince = now
            record.heldAttempts = 1
            logger.warning(
                "collection case held: its step cannot be taken; the other cases go on",
                metadata: [
                    "invoice.id": "\(record.invoiceID)", "creditor.id": "\(record.creditorID)",
                    "hold.reason": "\(hold.reason.rawValue)", "hold.detail": "\(hold.detail)",
                ]
            )
        }
        record.heldReason = hold.reason.rawValue
        record.heldDetail = hold.detail
        record.heldRetryAt = now.addingTimeInterval(CaseHold.retryDelay(afterAttempts: record.heldAttempts))
        try record.update(db)
    }

    /// Takes the case's scheduled step if it is due today or earlier; returns whether it did.
    @discardableResult
    func runDue(_ record: inout CollectionCase) throws -> Bool {
        if try checkInstallments(&record) { return true }
        guard record.status == "open", let dateText = record.nextDate, let date = CalendarDate(dateText), date <= today,
            case .scheduled(let scheduled) = try ladder(record).next(
                after: try record.events,
                outstanding: record.money(try record.outstanding)
            )
        else { return false }
        switch scheduled.step {
        case .reminder:
            // A reminder fee needs an agreement made when the debt arose (2 §); förseningsersättning needs none (4 a §).
            let agreed = try creditor(record.creditorID)?.reminderFeeAgreed ?? false
            if agreed || record.debtorKind == DebtorKind.business.rawValue {
                // Charged only where `charge` allows it (kronor on a kronor claim); the application lists what was.
                try chargeStep(.reminder, &record)
            }
            try record.append(.reminderSent(on: today))
            try emitStep(CollectionSteps.Reminder.self, record, payBy: today.adding(days: 10))
        case .collectionLetter:
            let interest = try lateInterest(record)
            let charged = try chargeStep(.collectionLetter, &record, interest: interest)
            let fee =
                charged.first.map { "\($0.amount)" }
                ?? (record.latePaymentCompensationCharged
                    ? "none (förseningsersättning already charged)" : "none (not a kronor claim)")
            let payBy = try ladder(record).collectionLetterDueDate(sentOn: today)
            try record.append(.collectionLetterSent(on: today, dueDate: payBy))
            try emitStep(
                CollectionSteps.CollectionLetter.self,
                record,
                payBy: payBy,
                detail: "inkassokrav: fee \(fee), interest \(record.money(interest))"
            )
        case .creditorDecisionRequested:
            try record.append(.creditorDecisionRequested(on: today))
            try emitStep(
                CollectionSteps.DecisionRequest.self,
                record,
                detail: "the collection letter fell due unpaid: apply to Kronofogden?"
            )
        case .enforcementApplicationPrepared:
            // The application needs the interest through today: a missing rate holds the case before anything changes.
            let applicationText = try application(record)
            try chargeStep(.kronofogdenApplication, &record)
            try record.append(.enforcementApplicationPrepared(on: today))
            try emitStep(CollectionSteps.Application.self, record, detail: applicationText)
        case .surveillanceLetter:
            try record.append(.surveillanceLetterSent(on: today))
            try emitStep(
                CollectionSteps.SurveillanceLetter.self,
                record,
                payBy: today.adding(days: 14),
                detail: "renewed demand; preskription interrupted"
            )
        }
        try reschedule(&record)
        return true
    }

    /// A missed installment resumes the ladder.
    func checkInstallments(_ record: inout CollectionCase) throws -> Bool {
        guard record.status == "open", let text = record.plan else { return false }
        let installments: [InstallmentPlan.Installment]
        do {
            installments = try MessageCoding.decode([InstallmentPlan.Installment].self, from: Array(text.utf8))
        } catch {
            throw DebtCollectionError.unreadableCase("the installment plan of invoice \(record.invoiceID) (\(error))")
        }
        let due = try CheckedAmount.sum(
            installments.lazy.filter { $0.date < today }.map(\.amount.amount),
            "the installments due"
        )
        let paidSincePlan = try CheckedAmount.subtract(record.paid, record.paidAtPlanStart, "the payments on the plan")
        guard paidSincePlan < due else { return false }
        record.plan = nil
        try record.append(.installmentMissed(on: today))
        try emitStep(
            CollectionSteps.MissedInstallment.self,
            record,
            detail: "the installment plan was not kept; the ladder resumes"
        )
        try reschedule(&record)
        return true
    }

    /// Interest on the capital from the due date through today, less what was charged before. A day the rate table
    /// does not cover throws ``DebtCollectionError/noReferenceRate(on:)``, which holds the case
    /// (`reference-rate-missing`) rather than charging less than is owed; once the rate is configured the held step
    /// runs again and charges the interest for the whole period.
    func lateInterest(_ record: CollectionCase) throws -> Int64 {
        let capital = record.money(max(0, try record.capitalOutstanding))
        let due = try record.due
        guard today > due else { return 0 }
        let interest = try LateInterest.calculate(principal: capital, dueDate: due, through: today, table: rates)
        return max(0, try CheckedAmount.subtract(interest.amount.amount, record.interest, "the interest not charged"))
    }

    /// The fee a step charges the debtor under lag (1981:739): for a business debtor the 450 kr förseningsersättning
    /// (4 a §) on the first step that charges anything, and after it none of the 2–3 §§ fees (5 §: those are owed only
    /// beyond the förseningsersättning, and reminder, inkassokrav and plan together are at most 410 kr); for a
    /// consumer the step's own fee. `nil` when the step charges nothing.
    func debtorFee(_ kind: CollectionFees.Kind, _ record: CollectionCase) -> FeesCharged.Fee? {
        let fee: CollectionFees.Kind
        if record.debtorKind == DebtorKind.business.rawValue && kind.isCoveredByLatePaymentCompensation {
            guard !record.latePaymentCompensationCharged else { return nil }
            fee = .latePaymentCompensation
        } else {
            fee = kind
        }
        return FeesCharged.Fee(kind: fee.wireName, amount: fee.amount, legalBasis: fee.legalBasis)
    }

    /// Charges the debtor's fee for a step (``debtorFee(_:_:)``) with `interest`, and notes what was charged.
    @discardableResult
    func chargeStep(_ kind: CollectionFees.Kind, _ record: inout CollectionCase, interest: Int64 = 0) throws
        -> [FeesCharged.Fee]
    {
        let charged = try charge(&record, fees: debtorFee(kind, record).map { [$0] } ?? [], interest: interest)
        for fee in charged {
            switch fee.kind {
            case CollectionFees.Kind.latePaymentCompensation.wireName: record.latePaymentCompensationCharged = true
            case CollectionFees.Kind.reminder.wireName: record.reminderFeeCharged = true
            default: break
            }
        }
        return charged
    }

    /// Adds fees and interest to the case and publishes fees-charged; returns the fees actually charged.
    @discardableResult
    func charge(_ record: inout CollectionCase, fees: [FeesCharged.Fee], interest: Int64) throws -> [FeesCharged.Fee] {
        // The statutory fees are kronor amounts (inkassoförordningen); they are not converted onto a claim in another
        // currency, which keeps its interest but no fees.
        let fees = fees.filter { $0.amount.currency == record.currencyValue }
        let feeTotal = try CheckedAmount.sum(fees.lazy.map(\.amount.amount), "the fees charged")
        let total = try CheckedAmount.add(feeTotal, interest, "the fees and interest charged")
        guard total > 0 else { return fees }
        record.fees = try CheckedAmount.add(record.fees, feeTotal, "the case's fees")
        record.interest = try CheckedAmount.add(record.interest, interest, "the case's interest")
        try emit(
            FeesCharged(
                invoiceID: record.invoiceID,
                fees: fees,
                interest: record.money(interest),
                total: record.money(total)
            )
        )
        return fees
    }

    func emitStep<Kind: CollectionStepKind>(
        _ kind: Kind.Type,
        _ record: CollectionCase,
        payBy: CalendarDate? = nil,
        detail: String? = nil
    ) throws {
        logger.info("collection step", metadata: ["invoice.id": "\(record.invoiceID)", "step": "\(Kind.messageType)"])
        // A step that makes a letter remembers the id of its event: delivery names the document after it, and its
        // reports on the document find the case and the step by it (``CollectionLetter``).
        var messageID: String?
        if let kind = Kind.documentKind {
            let letter = CollectionLetter(
                messageID: RandomIdentifier.make(),
                invoiceID: record.invoiceID,
                kind: kind.rawValue,
                sentOn: today.description
            )
            try letter.insert(db)
            messageID = letter.messageID
        }
        try emit(
            CollectionStepEvent<Kind>(
                invoiceID: record.invoiceID,
                on: today,
                payBy: payBy,
                outstanding: record.money(try record.outstanding),
                detail: detail
            ),
            messageID: messageID
        )
    }

    /// The betalningsföreläggande application as JSON, or why it cannot be prepared automatically.
    func application(_ record: CollectionCase) throws -> String {
        guard let creditor = try creditor(record.creditorID),
            let applicantIdentity = try? SwedishIdentity(parsing: creditor.organisationNumber),
            let debtorNumber = record.debtorIdentity, let debtorIdentity = try? SwedishIdentity(parsing: debtorNumber)
        else { return "the debtor or creditor has no Swedish identity number: prepare the application by hand" }
        let application = try EnforcementApplication.prepare(
            applicant: .init(name: creditor.name, identity: applicantIdentity),
            debtor: .init(name: record.debtorName, identity: debtorIdentity),
            invoiceNumber: record.invoiceNumber,
            capital: record.money(max(0, try record.capitalOutstanding)),
            dueDate: try record.due,
            applicationDate: today,
            table: rates,
            reminderFeeCharged: record.reminderFeeCharged,
            latePaymentCompensationCharged: record.latePaymentCompensationCharged
        )
        return String(decoding: try MessageCoding.encode(application), as: UTF8.self)
    }
}

/// Events a step published, held back until the step has succeeded.
private final class StagedMessages {
    var messages: [(message: any KvittMessage, messageID: String?)] = []
}
