import Foundation
import GRDB
import KvittContracts
import KvittMessaging

extension HandlerContext {
    func reject(_ errors: [FieldError]) throws {
        try reject(errors, as: DebtCollectionCommandRejected.self)
    }

    /// The engine for this handler's transaction, publishing through the outbox.
    func engine(_ rates: ReferenceRateTable) -> CaseEngine {
        CaseEngine(db: db, today: CalendarDate.today(at: now), rates: rates, logger: logger) { message in
            try self.publish(message)
        }
    }

    func collectionCase(_ invoiceID: String) throws -> CollectionCase? {
        try CollectionCase.fetchOne(db, key: invoiceID)
    }
}

/// Keeps each creditor's collection settings.
struct CreditorRegisteredHandler: MessageHandler {
    func handle(_ event: CreditorRegistered, context: HandlerContext) throws {
        let creditor = event.creditor
        try CollectionCreditor(
            id: creditor.creditorID,
            name: creditor.name,
            organisationNumber: creditor.organisationNumber,
            reminderDaysAfterDue: creditor.collection?.reminderDaysAfterDue,
            collectionDaysAfterDue: creditor.collection?.collectionDaysAfterDue,
            reminderFeeAgreed: creditor.reminderFeeAgreed
        ).save(context.db)
    }
}

/// Starts watching an issued debit invoice's due date.
struct InvoiceIssuedHandler: MessageHandler {
    let rates: ReferenceRateTable
    func handle(_ event: InvoiceIssued, context: HandlerContext) throws {
        guard event.kind == "debit", try context.collectionCase(event.invoiceID) == nil else { return }
        var record = CollectionCase(
            invoiceID: event.invoiceID,
            creditorID: event.creditorID,
            invoiceNumber: event.invoiceNumber,
            debtorName: event.debtor.name,
            debtorIdentity: event.debtor.identityNumber,
            debtorKind: event.debtor.kind == "company" ? "business" : "consumer",
            issuedOn: event.invoiceDate.description,
            dueDate: event.dueDate.description,
            currency: event.amountDue.currency.code,
            amountDue: event.amountDue.amount,
            adjustments: 0,
            paid: 0,
            fees: 0,
            interest: 0,
            reminderFeeCharged: false,
            history: "[]",
            nextStep: nil,
            nextDate: nil,
            status: "open",
            plan: nil,
            paidAtPlanStart: 0
        )
        try record.insert(context.db)
        try context.engine(rates).reschedule(&record)
    }
}

/// Payments, credits and applied credits lower what is owed; a settled case closes.
///
/// Each refers to a debit invoice, for which invoice-issued opened a case; without the case that event has not been
/// handled yet (it may wait in a retry queue), so the balance event waits too instead of being dropped.
struct BalanceHandlers {
    /// Changes the case's balance and reschedules it (a settled case closes).
    static func adjust(
        _ invoiceID: String,
        _ event: String,
        rates: ReferenceRateTable,
        context: HandlerContext,
        _ change: (inout CollectionCase) -> Void
    ) throws {
        guard var record = try context.collectionCase(invoiceID) else {
            throw NotYetKnown(
                reason: "unknown-invoice",
                detail: "\(event) for invoice \(invoiceID), which has no case yet"
            )
        }
        change(&record)
        try context.engine(rates).reschedule(&record)
    }

    struct Paid: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: PaymentMatched, context: HandlerContext) throws {
            try adjust(event.invoiceID, "payment matched", rates: rates, context: context) {
                $0.paid += event.amount.amount
            }
        }
    }

    /// A credit left the invoice owing less than was paid; the difference went back to the payer.
    struct Released: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: PaymentAllocationReleased, context: HandlerContext) throws {
            try adjust(event.invoiceID, "released payment", rates: rates, context: context) {
                $0.paid -= event.amount.amount
            }
        }
    }

    struct Credited: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: InvoiceCredited, context: HandlerContext) throws {
            try adjust(event.invoiceID, "credit", rates: rates, context: context) {
                $0.adjustments += event.amount.amount
            }
        }
    }

    struct CreditUsed: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: CreditApplied, context: HandlerContext) throws {
            try adjust(event.debitInvoiceID, "applied credit", rates: rates, context: context) {
                $0.adjustments += event.amount.amount
            }
        }
    }
}

/// The creditor's commands on a case.
struct CaseCommandHandlers {
    static func openCase(_ invoiceID: String, _ context: HandlerContext) throws -> CollectionCase? {
        guard let record = try context.collectionCase(invoiceID) else {
            try context.reject([FieldError("invoiceID", "no collection case for invoice '\(invoiceID)'")])
            return nil
        }
        guard record.status == "open" else {
            try context.reject([FieldError("invoiceID", "the case is closed")])
            return nil
        }
        return record
    }

    struct Send: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: SendToCollection, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            let today = CalendarDate.today(at: context.now)
            guard today > CalendarDate(record.dueDate)! else {
                return try context.reject([
                    FieldError("invoiceID", "the invoice is not overdue (due \(record.dueDate))")
                ])
            }
            try record.append(.collectionRequested(on: today))
            let engine = context.engine(rates)
            try engine.reschedule(&record)
            try engine.runDue(&record)
        }
    }

    struct Recall: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: RecallCollection, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try record.append(.recalled(on: CalendarDate.today(at: context.now)))
            try context.engine(rates).reschedule(&record)
        }
    }

    struct Plan: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: CreateInstallmentPlan, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            let today = CalendarDate.today(at: context.now)
            let plan: InstallmentPlan
            do {
                plan = try InstallmentPlan(
                    balance: record.money(record.outstanding),
                    dates: command.dates,
                    today: today
                )
            } catch {
                return try context.reject([FieldError("dates", "\(error)")])
            }
            let engine = context.engine(rates)
            try engine.charge(
                &record,
                fees: [.init(kind: "installment-plan", amount: CollectionFees.installmentPlan)],
                interest: 0
            )
            record.plan = String(decoding: try MessageCoding.encode(plan.installments), as: UTF8.self)
            record.paidAtPlanStart = record.paid
            try record.append(.installmentPlanCreated(on: today))
            try engine.emitStep(
                CollectionSteps.Plan.self,
                record,
                payBy: plan.installments.first?.date,
                detail: plan.installments.map { "\($0.date): \($0.amount)" }.joined(separator: "; ")
            )
            try engine.reschedule(&record)
        }
    }

    struct Postpone: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: PostponeNextEvent, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            let engine = context.engine(rates)
            let event: CollectionEvent
            do {
                event = try engine.ladder(record).postponement(
                    after: try record.events,
                    outstanding: record.money(record.outstanding),
                    to: command.to,
                    today: engine.today
                )
            } catch {
                return try context.reject([FieldError("to", "\(error)")])
            }
            let from = record.nextDate
            try record.append(event)
            try engine.emitStep(
                CollectionSteps.Postponement.self,
                record,
                payBy: command.to,
                detail: "moved from \(from ?? "-") to \(command.to)"
            )
            try engine.reschedule(&record)
        }
    }

    struct Decide: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: DecideEnforcement, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            guard try record.events.contains(where: { if case .creditorDecisionRequested = $0 { true } else { false } })
            else {
                return try context.reject([
                    FieldError("invoiceID", "no creditor decision has been requested for this case")
                ])
            }
            let engine = context.engine(rates)
            try record.append(.enforcementDecided(on: engine.today, proceed: command.proceed))
            try engine.reschedule(&record)
            try engine.runDue(&record)
        }
    }

    struct Surveil: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: StartLongTermSurveillance, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            let engine = context.engine(rates)
            try record.append(.longTermSurveillanceStarted(on: engine.today))
            try engine.reschedule(&record)
            try engine.runDue(&record)
        }
    }
}
