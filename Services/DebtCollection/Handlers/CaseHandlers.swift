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
        CaseEngine(db: db, now: now, rates: rates, logger: logger) { message, messageID in
            try self.publish(message, messageID: messageID)
        }
    }

    func collectionCase(_ invoiceID: String) throws -> CollectionCase? {
        try CollectionCase.fetchOne(db, key: invoiceID)
    }
}

/// A case's data cannot carry what a message asks for (amounts that would overflow, a stored case that cannot be
/// read): retrying cannot fix that, so the message is dead-lettered at once with the reason, and the case stays as
/// it was.
func permanentlyFailing<Result>(_ what: @autoclosure () -> String, _ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as DebtCollectionError {
        let hold = CaseHold(error)
        throw PermanentFailure(reason: hold.reason.rawValue, detail: "\(what()): \(hold.detail)")
    } catch let error as DecodingError {
        throw PermanentFailure(reason: CaseHold.Reason.unreadableCase.rawValue, detail: "\(what()): \(error)")
    }
}

/// Why a balance event or an invoice cannot be applied to a case as it stands.
enum InvalidAmount {
    /// The code of the dead letter for an amount below zero or in another currency than the case.
    static let reason = "invalid-amount"

    /// Refuses a negative amount, or one in a currency other than `currency` when given: every amount
    /// debt-collection consumes is positive by contract, in the invoice's currency.
    static func check(_ amount: Money, _ field: String, currency: Currency? = nil, _ what: String) throws {
        if let currency, amount.currency != currency {
            throw PermanentFailure(
                reason: reason,
                detail: "\(what): \(field) is in \(amount.currency.code), the case in \(currency.code)"
            )
        }
        guard !amount.isNegative else {
            throw PermanentFailure(reason: reason, detail: "\(what): \(field) must not be negative, got \(amount)")
        }
    }
}

/// Keeps each creditor's collection settings.
struct CreditorRegisteredHandler: MessageHandler {
    func handle(_ event: CreditorRegistered, context: HandlerContext) throws {
        let creditor = event.creditor
        do {
            _ = try CollectionSettings(
                reminderDaysAfterDue: creditor.collection?.reminderDaysAfterDue,
                collectionDaysAfterDue: creditor.collection?.collectionDaysAfterDue,
                reminderFeeAgreed: creditor.reminderFeeAgreed
            )
        } catch {
            // Kept as sent (a later registration may correct it); until then its cases get manual collection.
            context.logger.warning(
                "creditor's collection settings refused: manual collection only",
                metadata: ["creditor.id": "\(creditor.creditorID)", "reason": "\(error)"]
            )
        }
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
        try InvalidAmount.check(event.amountDue, "amountDue", "invoice \(event.invoiceID)")
        var record = CollectionCase(opening: event)
        try record.insert(context.db)
        try permanentlyFailing("invoice \(event.invoiceID)") { try context.engine(rates).reschedule(&record) }
    }
}

/// Payments, credits and applied credits lower what is owed; a settled case closes.
///
/// Each refers to a debit invoice, for which invoice-issued opened a case; without the case that event has not been
/// handled yet (it may wait in a retry queue), so the balance event waits too instead of being dropped.
struct BalanceHandlers {
    /// Changes the case's balance by `amount` (positive, in the case's currency) and reschedules it (a settled case
    /// closes). An amount that is negative, in another currency, or that the case's sums cannot hold is dead-lettered
    /// with the reason and changes nothing.
    static func adjust(
        _ invoiceID: String,
        _ event: String,
        amount: Money,
        rates: ReferenceRateTable,
        context: HandlerContext,
        _ change: (inout CollectionCase, Int64) throws -> Void
    ) throws {
        guard var record = try context.collectionCase(invoiceID) else {
            throw NotYetKnown(
                reason: "unknown-invoice",
                detail: "\(event) for invoice \(invoiceID), which has no case yet"
            )
        }
        try InvalidAmount.check(amount, "amount", currency: record.currencyValue, "\(event) for invoice \(invoiceID)")
        try permanentlyFailing("\(event) of \(amount) for invoice \(invoiceID)") {
            try change(&record, amount.amount)
            try context.engine(rates).reschedule(&record)
        }
    }

    struct Paid: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: PaymentMatched, context: HandlerContext) throws {
            try adjust(event.invoiceID, "payment matched", amount: event.amount, rates: rates, context: context) {
                $0.paid = try CheckedAmount.add($0.paid, $1, "the payments")
            }
        }
    }

    /// A credit left the invoice owing less than was paid; the difference went back to the payer.
    struct Released: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: PaymentAllocationReleased, context: HandlerContext) throws {
            try adjust(event.invoiceID, "released payment", amount: event.amount, rates: rates, context: context) {
                $0.paid = try CheckedAmount.subtract($0.paid, $1, "the payments")
            }
        }
    }

    struct Credited: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: InvoiceCredited, context: HandlerContext) throws {
            try adjust(event.invoiceID, "credit", amount: event.amount, rates: rates, context: context) {
                $0.adjustments = try CheckedAmount.add($0.adjustments, $1, "the credits")
            }
        }
    }

    struct CreditUsed: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ event: CreditApplied, context: HandlerContext) throws {
            try adjust(event.debitInvoiceID, "applied credit", amount: event.amount, rates: rates, context: context) {
                $0.adjustments = try CheckedAmount.add($0.adjustments, $1, "the credits")
            }
        }
    }
}

/// The creditor's commands on a case.
///
/// A command's own change stands even when the step it leads to cannot be taken: the case is then held with the
/// reason (``CaseEngine/advance(_:)``) and the scheduler tries again. A case whose stored data cannot take the command
/// at all dead-letters the command with the reason (``permanentlyFailing(_:_:)``).
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
            try permanentlyFailing("send to collection for invoice \(command.invoiceID)") {
                let today = CalendarDate.today(at: context.now)
                guard today > (try record.due) else {
                    return try context.reject([
                        FieldError("invoiceID", "the invoice is not overdue (due \(record.dueDate))")
                    ])
                }
                try record.append(.collectionRequested(on: today))
                let engine = context.engine(rates)
                try engine.reschedule(&record)
                _ = try engine.advance(&record)
            }
        }
    }

    struct Recall: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: RecallCollection, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try permanentlyFailing("recall for invoice \(command.invoiceID)") {
                try record.append(.recalled(on: CalendarDate.today(at: context.now)))
                try context.engine(rates).reschedule(&record)
            }
        }
    }

    struct Plan: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: CreateInstallmentPlan, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try permanentlyFailing("installment plan for invoice \(command.invoiceID)") {
                let today = CalendarDate.today(at: context.now)
                let balance = record.money(try record.outstanding)
                let plan: InstallmentPlan
                do {
                    plan = try InstallmentPlan(balance: balance, dates: command.dates, today: today)
                } catch {
                    return try context.reject([FieldError("dates", "\(error)")])
                }
                let engine = context.engine(rates)
                try engine.chargeStep(.installmentPlan, &record)
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
    }

    struct Postpone: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: PostponeNextEvent, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try permanentlyFailing("postponement for invoice \(command.invoiceID)") {
                let engine = context.engine(rates)
                let ladder = try engine.ladder(record)
                let events = try record.events
                let outstanding = record.money(try record.outstanding)
                let event: CollectionEvent
                do {
                    event = try ladder.postponement(
                        after: events,
                        outstanding: outstanding,
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
    }

    struct Decide: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: DecideEnforcement, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try permanentlyFailing("enforcement decision for invoice \(command.invoiceID)") {
                let requested = try record.events.contains {
                    if case .creditorDecisionRequested = $0 { true } else { false }
                }
                guard requested else {
                    return try context.reject([
                        FieldError("invoiceID", "no creditor decision has been requested for this case")
                    ])
                }
                let engine = context.engine(rates)
                try record.append(.enforcementDecided(on: engine.today, proceed: command.proceed))
                try engine.reschedule(&record)
                _ = try engine.advance(&record)
            }
        }
    }

    struct Surveil: MessageHandler {
        let rates: ReferenceRateTable
        func handle(_ command: StartLongTermSurveillance, context: HandlerContext) throws {
            guard var record = try openCase(command.invoiceID, context) else { return }
            try permanentlyFailing("long-term surveillance for invoice \(command.invoiceID)") {
                let engine = context.engine(rates)
                try record.append(.longTermSurveillanceStarted(on: engine.today))
                try engine.reschedule(&record)
                _ = try engine.advance(&record)
            }
        }
    }
}
