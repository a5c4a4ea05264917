import KvittContracts
import KvittMessaging

/// Offsets a standalone credit invoice against a debit invoice of the same creditor, debtor and currency.
struct ApplyCreditHandler: MessageHandler {
    func handle(_ command: ApplyCredit, context: HandlerContext) throws {
        let credit = try InvoiceRecord.find(command.creditInvoiceID, context.db)
        let debit = try InvoiceRecord.find(command.debitInvoiceID, context.db)
        var errors: [FieldError] = []
        if credit == nil { errors.append(FieldError("creditInvoiceID", "no invoice '\(command.creditInvoiceID)'")) }
        if debit == nil { errors.append(FieldError("debitInvoiceID", "no invoice '\(command.debitInvoiceID)'")) }
        guard var credit, var debit else { return try context.reject(errors) }
        if credit.kind != "credit" || credit.originalInvoiceID != nil || credit.status != .issued {
            errors.append(
                FieldError("creditInvoiceID", "must be an attested standalone credit invoice with credit left")
            )
        }
        if debit.kind != "debit" || debit.status != .issued {
            errors.append(FieldError("debitInvoiceID", "must be an issued debit invoice that is still open"))
        }
        if credit.creditorID != debit.creditorID {
            errors.append(FieldError("debitInvoiceID", "belongs to another creditor"))
        }
        if credit.debtorIdentity != debit.debtorIdentity || credit.debtorName != debit.debtorName {
            errors.append(FieldError("debitInvoiceID", "belongs to another debtor"))
        }
        if credit.currency != debit.currency {
            errors.append(FieldError("debitInvoiceID", "is in \(debit.currency), the credit in \(credit.currency)"))
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        let available = -credit.balance
        let open = debit.balance
        let amount = command.amount ?? debit.money(min(available, open))
        if amount.currency.code != debit.currency {
            errors.append(FieldError("amount.currency", "must be \(debit.currency)"))
        }
        if amount.amount <= 0 { errors.append(FieldError("amount", "must be above zero")) }
        if amount.amount > available {
            errors.append(FieldError("amount", "more than the \(credit.money(available)) left on the credit invoice"))
        }
        if amount.amount > open {
            errors.append(FieldError("amount", "more than the \(debit.money(open)) left to pay"))
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        // Within what both invoices hold, so within the bounds of their totals; checked as the amount is the caller's.
        guard let creditApplied = MinorUnits.difference(credit.creditApplied, amount.amount),
            let debitApplied = MinorUnits.sum(debit.creditApplied, amount.amount)
        else { return try context.reject([FieldError("amount", "beyond what the invoices can hold")]) }
        credit.creditApplied = creditApplied
        debit.creditApplied = debitApplied
        InvoiceStore.closeIfSettled(&credit, at: context.now)
        InvoiceStore.closeIfSettled(&debit, at: context.now)
        try InvoiceStore.update(
            credit,
            event: "credit-applied",
            detail: "\(amount) applied to \(debit.number ?? debit.id)",
            context: context
        )
        try InvoiceStore.update(
            debit,
            event: "credit-applied",
            detail: "\(amount) from credit \(credit.number ?? credit.id)",
            context: context
        )
        try context.publish(CreditApplied(creditInvoiceID: credit.id, debitInvoiceID: debit.id, amount: amount))
    }
}
