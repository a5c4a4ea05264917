import KvittContracts
import KvittMessaging

/// Connects an unmatched payment or an overpayment to an outstanding invoice ("länken").
struct LinkPaymentHandler: MessageHandler {
    func handle(_ command: LinkPayment, context: HandlerContext) throws {
        guard var payment = try PaymentRecord.fetchOne(context.db, key: command.paymentID) else {
            return try context.reject([FieldError("paymentID", "no payment '\(command.paymentID)'")])
        }
        guard let receivable = try ReceivableRecord.fetchOne(context.db, key: command.invoiceID) else {
            return try context.reject([FieldError("invoiceID", "no issued invoice '\(command.invoiceID)'")])
        }
        var errors: [FieldError] = []
        if payment.status != .unmatched && payment.status != .overpaid || payment.unapplied == 0 {
            errors.append(FieldError("paymentID", "only an unmatched payment or an overpayment can be linked"))
        }
        if payment.currency != receivable.currency {
            errors.append(
                FieldError("invoiceID", "the invoice is in \(receivable.currency), the payment in \(payment.currency)")
            )
        }
        if payment.unapplied > 0 && receivable.balance <= 0 {
            errors.append(FieldError("invoiceID", "the invoice has nothing left to pay"))
        }
        // A deduction links its whole (negative) amount; what the invoice is paid must stay countable.
        if payment.unapplied < 0 && MinorUnits.sum(receivable.paid, payment.unapplied) == nil {
            errors.append(FieldError("paymentID", "linking it would take the invoice's paid amount out of range"))
        }
        guard let paymentDate = CalendarDate(payment.paymentDate) else {
            throw PermanentFailure(reason: "unreadable-payment", detail: "payment \(payment.id) has no readable date")
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        let plan = PaymentMatcher.Plan(targets: [
            .init(
                receivable: receivable,
                amount: nil,
                method: .manual,
                explanation: "linked by an operator to invoice \(receivable.invoiceNumber)"
            )
        ])
        try PaymentMatcher.settle(&payment, plan: plan, paymentDate: paymentDate, context: context)
        try context.db.execute(sql: "DELETE FROM payment_candidate WHERE paymentID = ?", arguments: [payment.id])
        // The operator says who paid: free text from the same payer finds this debtor's invoices next time.
        let payer = RegisterPayment.Payer(
            bankgiro: payment.payerBankgiro,
            organisationNumber: payment.payerOrganisationNumber,
            swishNumber: payment.payerSwishNumber
        )
        if payment.amount > 0 {
            try PayerIdentity(payer).learn(paid: receivable, paymentID: payment.id, context.db)
        }
    }
}

/// Takes an unmatched payment or an overpayment off the list once it was refunded through the bank.
struct RemovePaymentHandler: MessageHandler {
    func handle(_ command: RemovePayment, context: HandlerContext) throws {
        guard var payment = try PaymentRecord.fetchOne(context.db, key: command.paymentID) else {
            return try context.reject([FieldError("paymentID", "no payment '\(command.paymentID)'")])
        }
        var errors: [FieldError] = []
        if payment.status != .unmatched && payment.status != .overpaid || payment.unapplied == 0 {
            errors.append(FieldError("paymentID", "only an unmatched payment or an overpayment can be removed"))
        }
        if command.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("reason", "say why (for example: refunded to the payer on 2026-03-04)"))
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        let removed = payment.unapplied
        payment.status = .removed
        payment.unapplied = 0
        payment.note = command.reason
        try payment.update(context.db)
        try context.publish(
            PaymentRemoved(paymentID: payment.id, amount: payment.money(removed), reason: command.reason)
        )
    }
}
