import GRDB
import KvittContracts
import KvittMessaging

/// Credit invoices a payer can reference with a negative amount (BgMax TK23 and TK21, docs/domain.md §2.5).
///
/// Invoicing owns a credit invoice's use: a standalone credit invoice is used on a debit invoice by apply-credit,
/// which invoicing checks (same creditor, debtor and currency, credit left) and answers with credit-applied, on
/// which payment-matching lowers the debit invoice as for any applied credit. So when a payer uses a credit in a
/// payment, payment-matching asks invoicing to apply it and books the payment's cash as the rest of the invoice.
enum CreditInvoices {
    /// The receiving creditor's credit invoice with this OCR reference (or invoice number).
    static func find(_ reference: String, creditorID: String, _ db: Database) throws -> CreditInvoiceRecord? {
        try CreditInvoiceRecord.fetchOne(
            db.cachedStatement(
                sql: "SELECT * FROM credit_invoice WHERE creditorID = ? AND (ocr = ? OR invoiceNumber = ?) LIMIT 1"
            ),
            arguments: [creditorID, reference, reference]
        )
    }

    /// What is left of a standalone credit invoice: its amount less its uses, requested or applied.
    static func available(_ credit: CreditInvoiceRecord, _ db: Database) throws -> Int64 {
        guard credit.originalInvoiceID == nil else { return 0 }
        let used =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT COALESCE(SUM(amount), 0) FROM credit_use WHERE creditInvoiceID = ?"),
                arguments: [credit.invoiceID]
            ) ?? 0
        return max(credit.amount - used, 0)
    }

    /// Asks invoicing to apply the credit the payer used, and reserves it so that no other payment uses it twice.
    static func requestUse(_ use: PaymentMatcher.Plan.CreditUse, paymentID: String, context: HandlerContext) throws {
        guard let currency = Currency(code: use.credit.currency) else { return }
        try CreditUseRecord(
            id: nil,
            creditInvoiceID: use.credit.invoiceID,
            debitInvoiceID: use.debitInvoiceID,
            amount: use.amount,
            paymentID: paymentID,
            state: .requested,
            at: context.now.timeIntervalSince1970
        ).insert(context.db)
        try context.publish(
            ApplyCredit(
                creditInvoiceID: use.credit.invoiceID,
                debitInvoiceID: use.debitInvoiceID,
                amount: Money(minorUnits: use.amount, currency)
            )
        )
    }

    /// Invoicing applied a credit: the request it answers, or a use an operator made in invoicing.
    static func recordApplied(_ event: CreditApplied, amount: Int64, context: HandlerContext) throws {
        let requested = try CreditUseRecord.fetchOne(
            context.db,
            sql: """
                SELECT * FROM credit_use WHERE creditInvoiceID = ? AND debitInvoiceID = ? AND amount = ?
                AND state = 'requested' ORDER BY id LIMIT 1
                """,
            arguments: [event.creditInvoiceID, event.debitInvoiceID, amount]
        )
        if var requested {
            requested.state = .applied
            try requested.update(context.db)
            return
        }
        try CreditUseRecord(
            id: nil,
            creditInvoiceID: event.creditInvoiceID,
            debitInvoiceID: event.debitInvoiceID,
            amount: amount,
            paymentID: nil,
            state: .applied,
            at: context.now.timeIntervalSince1970
        ).insert(context.db)
    }
}
