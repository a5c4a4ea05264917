import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging

/// Runs a case's ladder inside a transaction: computes its next automatic step, takes due steps, charges fees and
/// interest, and publishes what happened through `emit` (a handler's outbox, or the scheduler's).
struct CaseEngine {
    let db: Database
    let today: CalendarDate
    let rates: ReferenceRateTable
    let logger: Logger
    let emit: (any KvittMessage) throws -> Void

    func creditor(_ id: String) throws -> CollectionCreditor? {
        try CollectionCreditor.fetchOne(db, key: id)
    }

    /// The ladder for a case; a creditor without valid automatic settings gets manual collection only.
    func ladder(_ record: CollectionCase) throws -> CollectionLadder {
        let creditor = try creditor(record.creditorID)
        let settings =
            (try? CollectionSettings(
                reminderDaysAfterDue: creditor?.reminderDaysAfterDue,
                collectionDaysAfterDue: creditor?.collectionDaysAfterDue,
                reminderFeeAgreed: creditor?.reminderFeeAgreed ?? false
            ))
            ?? (try! CollectionSettings(
                reminderDaysAfterDue: nil,
                collectionDaysAfterDue: nil,
                reminderFeeAgreed: false
            ))
        return CollectionLadder(
            settings: settings,
            dueDate: CalendarDate(record.dueDate)!,
            debtor: record.debtorKind == "business" ? .business : .consumer
        )
    }

    /// Stores the next automatic step (or none), closing the case when it is paid.
    func reschedule(_ record: inout CollectionCase) throws {
        switch try ladder(record).next(after: try record.events, outstanding: record.money(record.outstanding)) {
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
        }
        try record.update(db)
    }

    /// Takes the case's scheduled step if it is due today or earlier; returns whether it did.
    @discardableResult
    func runDue(_ record: inout CollectionCase) throws -> Bool {
        if try checkInstallments(&record) { return true }
        guard record.status == "open", let dateText = record.nextDate, let date = CalendarDate(dateText), date <= today,
            case .scheduled(let scheduled) = try ladder(record).next(
                after: try record.events,
                outstanding: record.money(record.outstanding)
            )
        else { return false }
        switch scheduled.step {
        case .reminder:
            let agreed = try creditor(record.creditorID)?.reminderFeeAgreed ?? false
            let fees = CollectionFees.reminderFee(agreed: agreed).map {
                [FeesCharged.Fee(kind: "reminder", amount: $0)]
            }
            // Charged only where `charge` allows it (kronor on a kronor claim); the application lists what was charged.
            let charged = try charge(&record, fees: fees ?? [], interest: 0)
            if charged.contains(where: { $0.kind == "reminder" }) { record.reminderFeeCharged = true }
            try record.append(.reminderSent(on: today))
            try emitStep(CollectionSteps.Reminder.self, record, payBy: today.adding(days: 10))
        case .collectionLetter:
            let interest = try lateInterest(record)
            let charged = try charge(
                &record,
                fees: [.init(kind: "collection-letter", amount: CollectionFees.collectionLetter)],
                interest: interest
            )
            let fee = charged.first.map { "\($0.amount)" } ?? "none (not a kronor claim)"
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
            try charge(
                &record,
                fees: [.init(kind: "kronofogden-application", amount: CollectionFees.kronofogdenApplication)],
                interest: 0
            )
            try record.append(.enforcementApplicationPrepared(on: today))
            try emitStep(CollectionSteps.Application.self, record, detail: try application(record))
        case .surveillanceLetter:
            try record.append(.surveillanceLetterSent(on: today))
            try emitStep(
                CollectionSteps.SurveillanceLetter.self,
                record,
                payBy: today.adding(days: 14),
                detail: "renewed demand; preskription interrupted"
            )
            try emit(
                PlatformFeeCharged(
                    invoiceID: record.invoiceID,
                    creditorID: record.creditorID,
                    amount: CollectionFees.longTermSurveillancePerQuarter,
                    quarterStarting: today
                )
            )
        }
        try reschedule(&record)
        return true
    }

    /// A missed installment resumes the ladder.
    func checkInstallments(_ record: inout CollectionCase) throws -> Bool {
        guard record.status == "open", let text = record.plan else { return false }
        let installments = try MessageCoding.decode([InstallmentPlan.Installment].self, from: Array(text.utf8))
        var due: Int64 = 0
        for installment in installments where installment.date < today {
            due += installment.amount.amount
        }
        guard record.paid - record.paidAtPlanStart < due else { return false }
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

    /// Interest on the capital from the due date through today, less what was charged before. A day beyond the rate
    /// table is charged only up to the last covered day, with a warning: the Riksbank rate must be added first.
    func lateInterest(_ record: CollectionCase) throws -> Int64 {
        let capital = record.money(max(0, record.capitalOutstanding))
        let due = CalendarDate(record.dueDate)!
        var through = today
        if through > rates.coveredThrough {
            logger.warning(
                "no reference rate configured after \(rates.coveredThrough): interest stops there (set REFERENCE_RATES)"
            )
            through = rates.coveredThrough
        }
        guard through > due else { return 0 }
        let interest = try LateInterest.calculate(principal: capital, dueDate: due, through: through, table: rates)
        return max(0, interest.amount.amount - record.interest)
    }

    /// Adds fees and interest to the case and publishes fees-charged; returns the fees actually charged.
    @discardableResult
    func charge(_ record: inout CollectionCase, fees: [FeesCharged.Fee], interest: Int64) throws -> [FeesCharged.Fee] {
        // The statutory fees are kronor amounts (inkassoförordningen); they are not converted onto a claim in another
        // currency, which keeps its interest but no fees.
        let fees = fees.filter { $0.amount.currency == record.currencyValue }
        let total = fees.reduce(0) { $0 + $1.amount.amount } + interest
        guard total > 0 else { return fees }
        record.fees += fees.reduce(0) { $0 + $1.amount.amount }
        record.interest += interest
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
        try emit(
            CollectionStepEvent<Kind>(
                invoiceID: record.invoiceID,
                on: today,
                payBy: payBy,
                outstanding: record.money(record.outstanding),
                detail: detail
            )
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
            capital: record.money(max(0, record.capitalOutstanding)),
            dueDate: CalendarDate(record.dueDate)!,
            applicationDate: min(today, rates.coveredThrough),
            table: rates,
            reminderFeeCharged: record.reminderFeeCharged
        )
        return String(decoding: try MessageCoding.encode(application), as: UTF8.self)
    }
}
