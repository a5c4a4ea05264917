import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Registers a payment and settles what it pays, inside the handler's transaction, publishing what happened.
///
/// Order of trust: a manual registration's invoice; the OCR references the bank vouches for (in order, so one
/// payment can settle several invoices); then OCR references and invoice numbers found in free text. A payment
/// settles its targets in order, each up to its balance; what is left over is an overpayment on the last one. A
/// payment that finds nothing is unmatched. Bankgiro payments never settle invoices that were flagged as not
/// reconcilable from bankgiro data, and currencies must agree.
enum PaymentMatcher {
    /// Registers and matches; returns `nil` when the same source id was registered before (nothing happens).
    @discardableResult
    static func register(_ payment: IncomingPayment, context: HandlerContext) throws -> PaymentRecord? {
        let db = context.db
        let exists = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM payment WHERE source = ? AND sourceID = ?)"),
            arguments: [payment.source, payment.sourceID]
        )
        if exists == true { return nil }
        var record = PaymentRecord(
            id: RandomIdentifier.make(),
            source: payment.source,
            sourceID: payment.sourceID,
            amount: payment.amount.amount,
            currency: payment.amount.currency.code,
            paymentDate: payment.paymentDate.description,
            reference: payment.displayReference,
            message: payment.message,
            payerName: payment.payer?.name,
            payerBankgiro: payment.payer?.bankgiro,
            payerOrganisationNumber: payment.payer?.organisationNumber,
            creditorID: payment.creditorID,
            payeeBankgiro: payment.payeeBankgiro,
            status: .unmatched,
            unapplied: payment.amount.amount,
            note: nil,
            registeredAt: context.now.timeIntervalSince1970
        )
        try PaymentWrites.insert(record, db)
        try context.publish(
            PaymentRegistered(
                paymentID: record.id,
                source: payment.source,
                sourceID: payment.sourceID,
                amount: payment.amount,
                paymentDate: payment.paymentDate,
                reference: payment.displayReference,
                payerName: payment.payer?.name
            )
        )
        guard !payment.isDeduction else {
            return try leaveUnmatched(
                &record,
                reason: "deduction (avdrag) from the deposit: link it or remove it",
                context
            )
        }
        let (targets, refusal) = try findTargets(payment, db)
        guard !targets.isEmpty else {
            return try leaveUnmatched(&record, reason: refusal ?? "no open invoice matches the reference", context)
        }
        try settle(&record, targets: targets, paymentDate: payment.paymentDate, context: context)
        return record
    }

    /// Applies what is unapplied of a payment to receivables in order; the rest is an overpayment on the last one.
    static func settle(
        _ payment: inout PaymentRecord,
        targets: [(receivable: ReceivableRecord, matchedBy: String)],
        paymentDate: CalendarDate,
        context: HandlerContext
    ) throws {
        var remaining = payment.unapplied
        for (index, target) in targets.enumerated() {
            var receivable = target.receivable
            let isLast = index == targets.count - 1
            let applied = isLast && remaining < 0 ? remaining : min(remaining, max(receivable.balance, 0))
            guard applied != 0 else { continue }
            try apply(
                applied,
                of: payment,
                to: &receivable,
                matchedBy: target.matchedBy,
                paymentDate: paymentDate,
                context
            )
            remaining -= applied
        }
        payment.unapplied = remaining
        if remaining > 0, let last = targets.last {
            payment.status = .overpaid
            try context.publish(
                OverpaymentRecorded(
                    paymentID: payment.id,
                    invoiceID: last.receivable.invoiceID,
                    amount: payment.money(remaining)
                )
            )
        } else {
            payment.status = .matched
        }
        try PaymentWrites.updateState(payment, context.db)
    }

    static func apply(
        _ amount: Int64,
        of payment: PaymentRecord,
        to receivable: inout ReceivableRecord,
        matchedBy: String,
        paymentDate: CalendarDate,
        _ context: HandlerContext
    ) throws {
        // The allocation is what `paid` sums (ReceivableRecord.paid). A positive one is at most the balance and a
        // negative one (a linked deduction) was checked by the link, so this cannot overflow; checked all the same.
        let (paid, overflow) = receivable.paid.addingReportingOverflow(amount)
        guard !overflow else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "applying \(amount) minor units to invoice \(receivable.invoiceID) overflows what it is paid"
            )
        }
        receivable.paid = paid
        try PaymentWrites.insertAllocation(
            paymentID: payment.id,
            invoiceID: receivable.invoiceID,
            amount: amount,
            matchedBy: matchedBy,
            at: context.now.timeIntervalSince1970,
            context.db
        )
        try context.publish(
            PaymentMatched(
                paymentID: payment.id,
                invoiceID: receivable.invoiceID,
                amount: receivable.money(amount),
                matchedBy: matchedBy
            )
        )
        if receivable.balance <= 0 {
            try context.publish(
                InvoicePaid(
                    invoiceID: receivable.invoiceID,
                    paid: receivable.money(receivable.paid),
                    paymentDate: paymentDate
                )
            )
        } else {
            try context.publish(
                InvoicePartiallyPaid(
                    invoiceID: receivable.invoiceID,
                    amount: receivable.money(amount),
                    remaining: receivable.money(receivable.balance),
                    paymentDate: paymentDate
                )
            )
        }
    }

    static func leaveUnmatched(_ payment: inout PaymentRecord, reason: String, _ context: HandlerContext) throws
        -> PaymentRecord
    {
        payment.status = .unmatched
        payment.note = reason
        try PaymentWrites.updateState(payment, context.db)
        try context.publish(
            PaymentUnmatched(paymentID: payment.id, amount: payment.money(payment.amount), reason: reason)
        )
        return payment
    }

    /// The receivables a payment settles, in order, or why none qualified.
    static func findTargets(_ payment: IncomingPayment, _ db: Database) throws -> (
        [(receivable: ReceivableRecord, matchedBy: String)], String?
    ) {
        var payment = payment
        if payment.creditorID == nil, let bankgiro = payment.payeeBankgiro {
            // The creditor behind the receiving bankgiro, so that its IBAN invoices are found too (and refused with
            // the right reason) rather than reported as unknown.
            if case .some(let known) = payment.receivingCreditorID {
                payment.creditorID = known
            } else {
                payment.creditorID = try creditor(receivingOn: bankgiro, db)
            }
        }
        var candidates: [(ReceivableRecord, String)] = []
        if let invoiceID = payment.invoiceID, let receivable = try ReceivableRecord.fetchOne(db, key: invoiceID) {
            candidates.append((receivable, "manual"))
        }
        for (index, reference) in payment.trustedReferences.enumerated() {
            if let receivable = try byOCR(reference, payment, db) {
                candidates.append((receivable, index == 0 ? "ocr" : "extra-reference"))
            }
        }
        if candidates.isEmpty {
            for text in payment.freeTexts {
                for run in ReferenceExtraction.digitRuns(in: text) {
                    if let receivable = try byOCR(run, payment, db) {
                        candidates.append((receivable, "free-text-ocr"))
                    } else if let receivable = try byInvoiceNumber(run, payment, db) {
                        candidates.append((receivable, "free-text-invoice-number"))
                    }
                }
            }
        }
        var seen: Set<String> = []
        var targets: [(receivable: ReceivableRecord, matchedBy: String)] = []
        var refusal: String?
        for (receivable, matchedBy) in candidates where seen.insert(receivable.invoiceID).inserted {
            if payment.source == "bankgiro" && !receivable.reconcilableFromBankgiro {
                refusal =
                    "invoice \(receivable.invoiceNumber) is paid by IBAN and is not reconcilable from bankgiro data"
                continue
            }
            if receivable.currency != payment.amount.currency.code {
                refusal =
                    "currency \(payment.amount.currency.code) differs from invoice \(receivable.invoiceNumber)'s \(receivable.currency)"
                continue
            }
            targets.append((receivable, matchedBy))
        }
        // Open invoices first, so that a payment quoting a paid and an open invoice settles the open one.
        let open = targets.filter { $0.receivable.balance > 0 }
        return (open.isEmpty ? targets : open, refusal)
    }

    static func byOCR(_ ocr: String, _ payment: IncomingPayment, _ db: Database) throws -> ReceivableRecord? {
        try lookUp(column: "ocr", value: ocr, payment, db)
    }

    static func byInvoiceNumber(_ number: String, _ payment: IncomingPayment, _ db: Database) throws
        -> ReceivableRecord?
    {
        try lookUp(column: "invoiceNumber", value: number, payment, db)
    }

    /// The creditor whose invoices name a receiving bankgiro number, if any.
    static func creditor(receivingOn bankgiro: String, _ db: Database) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT creditorID FROM receivable WHERE payeeBankgiro = ? LIMIT 1"),
            arguments: [bankgiro]
        )
    }

    /// Looks up within the receiving creditor; without one, only an unambiguous match counts, and a payment to a
    /// bankgiro no invoice names matches nothing.
    static func lookUp(column: String, value: String, _ payment: IncomingPayment, _ db: Database) throws
        -> ReceivableRecord?
    {
        if let creditor = payment.creditorID {
            return try ReceivableRecord.fetchOne(
                db.cachedStatement(sql: "\(ReceivableRecord.select) WHERE creditorID = ? AND \(column) = ?"),
                arguments: [creditor, value]
            )
        }
        // findTargets already looked for the creditor behind the bankgiro: none means no receivable names it.
        if payment.payeeBankgiro != nil { return nil }
        let matches = try ReceivableRecord.fetchAll(
            db.cachedStatement(sql: "\(ReceivableRecord.select) WHERE \(column) = ? LIMIT 2"),
            arguments: [value]
        )
        return matches.count == 1 ? matches[0] : nil
    }
}
