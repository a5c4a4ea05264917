import GRDB
import KvittContracts
import KvittMessaging

extension HandlerContext {
    /// Refuses the command being handled with payment-matching.command-rejected.v1.
    func reject(_ errors: [FieldError]) throws {
        try reject(errors, as: PaymentMatchingCommandRejected.self)
    }
}

/// Opens a receivable for an issued debit invoice, keyed by OCR and invoice number, with who owes it; records an
/// issued credit invoice so that a payer can reference it (BgMax TK23, TK21).
struct InvoiceIssuedHandler: MessageHandler {
    func handle(_ event: InvoiceIssued, context: HandlerContext) throws {
        let debtorIdentity = event.debtor.identityNumber.flatMap(PayerIdentity.identity)
        let debtorKey = PayerIdentity.debtorKey(identity: debtorIdentity, name: event.debtor.name)
        // Credit invoices are settled by invoicing (credited or applied), never by payments; payers reference them.
        guard event.kind == "debit" else {
            guard event.kind == "credit",
                try CreditInvoiceRecord.fetchOne(context.db, key: event.invoiceID) == nil
            else { return }
            guard MinorUnits.isWithinBound(event.amountDue.amount) else {
                throw FaultyEventAmount.amountOutOfRange.failure(
                    "credit invoice \(event.invoiceID) is issued for \(event.amountDue.amount) minor units"
                )
            }
            try CreditInvoiceRecord(
                invoiceID: event.invoiceID,
                creditorID: event.creditorID,
                invoiceNumber: event.invoiceNumber,
                ocr: event.ocr,
                currency: event.amountDue.currency.code,
                amount: -event.amountDue.amount,
                debtorKey: debtorKey,
                debtorName: event.debtor.name,
                originalInvoiceID: nil
            ).insert(context.db)
            return
        }
        guard try ReceivableRecord.fetchOne(context.db, key: event.invoiceID) == nil else { return }
        guard MinorUnits.isWithinBound(event.amountDue.amount) else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "invoice \(event.invoiceID) is issued for \(event.amountDue.amount) minor units, beyond ±\(MinorUnits.bound)"
            )
        }
        let bankgiro = event.paymentMeans.bankgiro.map { String($0.filter { $0.isASCII && $0.isNumber }) }
        let receivable = ReceivableRecord(
            invoiceID: event.invoiceID,
            creditorID: event.creditorID,
            invoiceNumber: event.invoiceNumber,
            ocr: event.ocr,
            payeeBankgiro: bankgiro,
            currency: event.amountDue.currency.code,
            amountDue: event.amountDue.amount,
            adjustments: 0,
            paid: 0,
            reconcilableFromBankgiro: event.paymentMeans.reconcilableFromBankgiro,
            dueDate: event.dueDate.description,
            debtorName: event.debtor.name,
            debtorIdentity: debtorIdentity,
            debtorKey: debtorKey
        )
        try receivable.insert(context.db)
    }
}

extension ReceivableRecord {
    /// The receivable an event from another service refers to. Until invoice-issued has been handled here (it may
    /// wait in a retry queue) there is none, so the event is retried rather than parked.
    static func referenced(_ invoiceID: String, by what: String, _ db: Database) throws -> ReceivableRecord {
        guard let receivable = try fetchOne(db, key: invoiceID) else {
            throw NotYetKnown(reason: "unknown-invoice", detail: "\(what) for unknown invoice \(invoiceID)")
        }
        return receivable
    }
}

/// Lowers the original's amount due by an attested credit invoice; what was paid beyond the new amount due goes back
/// to the payer as an overpayment.
struct InvoiceCreditedHandler: MessageHandler {
    func handle(_ event: InvoiceCredited, context: HandlerContext) throws {
        var receivable = try ReceivableRecord.referenced(event.invoiceID, by: "credit", context.db)
        // The credit invoice is used up on its original: a payer referencing it later means that invoice.
        try context.db.execute(
            sql: "UPDATE credit_invoice SET originalInvoiceID = ? WHERE invoiceID = ?",
            arguments: [event.invoiceID, event.creditInvoiceID]
        )
        let before = receivable.balance
        let amount = try receivable.eventAmount(event.amount, "invoice credited amount", allowed: 0...MinorUnits.bound)
        receivable.adjustments = try receivable.adjusted(by: amount, "credit \(event.creditInvoiceID)")
        if receivable.balance < 0 {
            try AllocationRelease.release(
                -receivable.balance,
                from: &receivable,
                reason: "credited by credit invoice \(event.creditInvoiceID) after payment",
                context: context
            )
        }
        try receivable.update(context.db)
        try receivable.publishPaidIfSettled(balanceBefore: before, context: context)
    }
}

/// Lowers a debit invoice's amount due by an applied credit.
struct CreditAppliedHandler: MessageHandler {
    func handle(_ event: CreditApplied, context: HandlerContext) throws {
        var receivable = try ReceivableRecord.referenced(event.debitInvoiceID, by: "credit applied", context.db)
        let before = receivable.balance
        let amount = try receivable.eventAmount(event.amount, "credit applied amount", allowed: 0...MinorUnits.bound)
        receivable.adjustments = try receivable.adjusted(by: amount, "credit \(event.creditInvoiceID)")
        try receivable.update(context.db)
        try CreditInvoices.recordApplied(event, amount: amount, context: context)
        try receivable.publishPaidIfSettled(balanceBefore: before, context: context)
    }
}

/// Raises a receivable's amount due by debt-collection's fees and interest, so payments are matched against the
/// same balance every service sees.
struct FeesChargedHandler: MessageHandler {
    func handle(_ event: FeesCharged, context: HandlerContext) throws {
        var receivable = try ReceivableRecord.referenced(event.invoiceID, by: "fees charged", context.db)
        let total = try receivable.eventAmount(event.total, "fees charged total", allowed: 0...MinorUnits.bound)
        receivable.adjustments = try receivable.adjusted(by: -total, "fees charged")
        try receivable.update(context.db)
    }
}

extension ReceivableRecord {
    /// A credit that leaves nothing to pay on a part-paid invoice settles it: invoice-paid, dated by its latest
    /// payment, as a payment that settles it would (tax-reduction waits for it to request the buyers' ROT/RUT).
    func publishPaidIfSettled(balanceBefore: Int64, context: HandlerContext) throws {
        guard balanceBefore > 0, balance <= 0, paid > 0 else { return }
        let latest = try String.fetchOne(
            context.db,
            sql: """
                SELECT payment.paymentDate FROM allocation JOIN payment ON payment.id = allocation.paymentID
                WHERE allocation.invoiceID = ? AND allocation.amount > 0 ORDER BY allocation.id DESC LIMIT 1
                """,
            arguments: [invoiceID]
        )
        guard let date = latest.flatMap(CalendarDate.init) else { return }
        try context.publish(InvoicePaid(invoiceID: invoiceID, paid: money(paid), paymentDate: date))
    }
}
