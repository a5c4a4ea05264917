import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Registers a payment and settles what it pays, inside the handler's transaction, publishing what happened.
///
/// Order of trust (docs/domain.md §2.5): a manual registration's invoice; the payment's reference fields — the OCR
/// reference, then each BgMax extra reference with the amount the file states for it (TK22), and credit invoices the
/// payer deducts (TK23) — then free text. Free text pays only an invoice of the payer (``PayerIdentity``), or one
/// whose OCR or invoice number in the text has a valid check digit and whose open amount is what was paid; anything
/// else, or more than one such invoice, leaves the payment unmatched with the invoices it could be for listed as
/// candidates. Bankgiro payments never settle invoices flagged as not reconcilable from bankgiro data, and currencies
/// must agree. Every allocation records its ``PaymentMatchMethod``.
enum PaymentMatcher {
    /// What matching decided for one payment, before anything is applied.
    struct Plan {
        /// An invoice the payment settles.
        struct Target {
            var receivable: ReceivableRecord
            /// What the file says goes to it (less any credit the payer used on it); `nil`: up to its balance.
            var amount: Int64?
            var method: PaymentMatchMethod
            var explanation: String
            /// Whether the match is strong enough to link the payer to the invoice's debtor for next time: not an
            /// invoice number in free text that only fits by amount, which anyone could have written.
            var teachesPayer = true
        }

        /// A credit invoice the payer used on a debit invoice, for invoicing to apply (apply-credit).
        struct CreditUse {
            var credit: CreditInvoiceRecord
            var debitInvoiceID: String
            var amount: Int64
        }

        var targets: [Target] = []
        var credits: [CreditUse] = []
        /// Of a payment: per invoice, the deductions of the same deposit already allocated to it (BgMax TK21 set off
        /// against the payer's payment, negative allocations). Other services see the payment net of them, never a
        /// negative amount: what this payment's events say it paid the invoice is its allocation less these.
        var setOffs: [String: Int64] = [:]
        /// Of a deduction: the invoice of the payer's payment it is set off against, allocated its (negative) amount
        /// without an event of its own.
        var setOffAgainst: (invoiceID: String, explanation: String)?
        /// Invoices an operator may link the payment to, and why each was not matched automatically.
        var candidates: [(receivable: ReceivableRecord, reason: String)] = []
        /// Why nothing was matched, when something was considered.
        var refusal: String?
        /// What the operator should know about references that were not used.
        var notes: [String] = []
    }

    /// Registers and matches; returns `nil` when the same source id was registered before (nothing happens).
    /// - Parameter plan: what to settle, when the caller decided it (a BgMax deduction set against a payment).
    @discardableResult
    static func register(_ payment: IncomingPayment, plan given: Plan? = nil, context: HandlerContext) throws
        -> PaymentRecord?
    {
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
            payerSwishNumber: payment.payer?.swishNumber,
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
        let plan: Plan
        if let given {
            plan = given
        } else if payment.amount.isZero {
            // A bank file may state a payment of nothing; it names an invoice but pays none of it. Marked matched it
            // would vanish from every list, so an operator sees it (and removes it) instead.
            plan = Plan(refusal: "a payment of \(payment.amount): nothing to allocate")
        } else if payment.isDeduction {
            plan = Plan(refusal: "deduction (avdrag) from the deposit: link it or remove it")
        } else {
            plan = try self.plan(payment, db)
        }
        try storeCandidates(plan.candidates, of: record.id, db)
        if let against = plan.setOffAgainst {
            // A deduction the payer's payment in the deposit covers: neither is money for an operator to place. The
            // payment's events carry the net amount (``Plan/setOffs``).
            try PaymentWrites.insertAllocation(
                paymentID: record.id,
                invoiceID: against.invoiceID,
                amount: record.amount,
                matchedBy: .extraReference,
                at: context.now.timeIntervalSince1970,
                db
            )
            record.unapplied = 0
            record.status = .matched
            record.note = against.explanation
            try PaymentWrites.updateState(record, db)
            return record
        }
        guard !plan.targets.isEmpty else {
            let reason = ([plan.refusal ?? "no open invoice matches the reference"] + plan.notes).joined(
                separator: "; "
            )
            return try leaveUnmatched(&record, reason: reason, context)
        }
        if !plan.notes.isEmpty { record.note = plan.notes.joined(separator: "; ") }
        try settle(&record, plan: plan, paymentDate: payment.paymentDate, context: context)
        for use in plan.credits {
            try CreditInvoices.requestUse(use, paymentID: record.id, context: context)
        }
        if let first = plan.targets.first, first.method != .payerHistory, first.teachesPayer {
            try payment.identity.learn(paid: first.receivable, paymentID: record.id, db)
        }
        return record
    }

    /// Applies a plan's targets in order: a stated amount exactly (up to the invoice's balance), the others up to
    /// their balance with what the later stated amounts leave; what is left over is an overpayment on the last.
    static func settle(
        _ payment: inout PaymentRecord,
        plan: Plan,
        paymentDate: CalendarDate,
        context: HandlerContext
    ) throws {
        var remaining = payment.unapplied
        let targets = plan.targets
        // What the targets after each one are stated to receive: an unstated one leaves that much for them.
        var statedAfter = Array(repeating: Int64(0), count: targets.count)
        var sum: Int64 = 0
        for index in targets.indices.reversed() {
            statedAfter[index] = sum
            if let amount = targets[index].amount, amount > 0 {
                sum = MinorUnits.sum(sum, amount) ?? MinorUnits.bound
            }
        }
        for (index, target) in targets.enumerated() {
            var receivable = target.receivable
            let isLast = index == targets.count - 1
            let open = max(receivable.balance, 0)
            let applied: Int64
            switch target.amount {
            case .some(let stated) where stated < 0:
                // A deduction set against the invoice it settles with the payer's payment.
                applied = stated
            case .some(let stated):
                applied = min(stated, open, max(remaining, 0))
            case .none:
                applied = isLast && remaining < 0 ? remaining : min(max(remaining - statedAfter[index], 0), open)
            }
            guard applied != 0 else { continue }
            let setOff = min(plan.setOffs[receivable.invoiceID] ?? 0, max(applied, 0))
            try apply(
                applied,
                of: payment,
                to: &receivable,
                matchedBy: target.method,
                explanation: target.explanation,
                paymentDate: paymentDate,
                setOff: setOff,
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
        matchedBy: PaymentMatchMethod,
        explanation: String,
        paymentDate: CalendarDate,
        setOff: Int64 = 0,
        _ context: HandlerContext
    ) throws {
        // The allocation is what `paid` sums (ReceivableRecord.paid). A positive one is at most the balance and a
        // negative one (a deduction) was checked against the invoice, so this cannot overflow; checked all the same.
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
        // What other services are told the payment paid: net of a deduction set off against it on this invoice.
        let paidNet = amount - setOff
        if paidNet != 0 {
            try context.publish(
                PaymentMatched(
                    paymentID: payment.id,
                    invoiceID: receivable.invoiceID,
                    amount: receivable.money(paidNet),
                    matchedBy: matchedBy.rawValue,
                    explanation: explanation
                        + (setOff > 0
                            ? "; \(receivable.money(setOff)) of it set off against the payer's deduction" : "")
                )
            )
        }
        if receivable.balance <= 0 {
            try context.publish(
                InvoicePaid(
                    invoiceID: receivable.invoiceID,
                    paid: receivable.money(receivable.paid),
                    paymentDate: paymentDate
                )
            )
        } else if paidNet > 0 {
            try context.publish(
                InvoicePartiallyPaid(
                    invoiceID: receivable.invoiceID,
                    amount: receivable.money(paidNet),
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

    static func storeCandidates(
        _ candidates: [(receivable: ReceivableRecord, reason: String)],
        of paymentID: String,
        _ db: Database
    ) throws {
        for candidate in candidates {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO payment_candidate (paymentID, invoiceID, reason) VALUES (?, ?, ?)"
            ).execute(arguments: [paymentID, candidate.receivable.invoiceID, candidate.reason])
        }
    }

    // MARK: - Deciding

    /// The invoices a payment settles, in order, and the credits its payer used; or why none qualified.
    static func plan(_ payment: IncomingPayment, _ db: Database) throws -> Plan {
        var payment = payment
        try resolveCreditor(&payment, db)
        var plan = Plan()
        if let invoiceID = payment.invoiceID, let receivable = try ReceivableRecord.fetchOne(db, key: invoiceID) {
            plan.targets.append(
                .init(
                    receivable: receivable,
                    amount: nil,
                    method: .manual,
                    explanation: "the operator named invoice \(receivable.invoiceNumber)"
                )
            )
        }
        try addStructuredReferences(payment, to: &plan, db)
        if plan.targets.isEmpty {
            try addFreeText(payment, to: &plan, db)
        }
        return try admissible(plan, payment)
    }

    /// The creditor behind the receiving bankgiro, so that its IBAN invoices are found too (and refused with the
    /// right reason) rather than reported as unknown.
    static func resolveCreditor(_ payment: inout IncomingPayment, _ db: Database) throws {
        guard payment.creditorID == nil, let bankgiro = payment.payeeBankgiro else { return }
        if case .some(let known) = payment.receivingCreditorID {
            payment.creditorID = known
        } else {
            payment.creditorID = try creditor(receivingOn: bankgiro, db)
        }
    }

    /// The reference field and the extra references, each with its amount; credit invoices lower what the invoice
    /// they are used on receives from the payment.
    private static func addStructuredReferences(_ payment: IncomingPayment, to plan: inout Plan, _ db: Database)
        throws
    {
        for reference in payment.structuredReferences where !reference.isNegative {
            guard let receivable = try lookUp(column: "ocr", value: reference.text, payment, db).first else {
                plan.notes.append("reference \(reference.text): no invoice has this OCR")
                continue
            }
            if let index = plan.targets.firstIndex(where: { $0.receivable.invoiceID == receivable.invoiceID }) {
                // The main reference repeated as an extra reference: the extra reference's amount counts.
                if plan.targets[index].amount == nil { plan.targets[index].amount = reference.amount }
                continue
            }
            plan.targets.append(
                .init(
                    receivable: receivable,
                    amount: reference.amount,
                    method: reference.method,
                    explanation: reference.method == .ocr
                        ? "OCR \(reference.text) in the reference field"
                        : "extra reference \(reference.text)"
                            + (reference.amount.map { " with \(receivable.money($0))" } ?? "")
                )
            )
        }
        for reference in payment.structuredReferences where reference.isNegative {
            try addCredit(reference, payment, to: &plan, db)
        }
    }

    /// A negative extra reference (TK23): the payer deducted a credit invoice from what it pays.
    private static func addCredit(
        _ reference: IncomingPayment.StructuredReference,
        _ payment: IncomingPayment,
        to plan: inout Plan,
        _ db: Database
    ) throws {
        guard let amount = reference.amount, amount > 0 else {
            plan.notes.append("credit reference \(reference.text) states no amount: not applied")
            return
        }
        guard let creditorID = payment.creditorID,
            let credit = try CreditInvoices.find(reference.text, creditorID: creditorID, db)
        else {
            plan.notes.append("credit reference \(reference.text): no credit invoice has this OCR")
            return
        }
        let debits = plan.targets.indices.filter {
            PayerIdentity.namesOneDebtor(credit.debtorKey) && plan.targets[$0].receivable.debtorKey == credit.debtorKey
        }
        if let original = credit.originalInvoiceID,
            let index = plan.targets.firstIndex(where: { $0.receivable.invoiceID == original })
        {
            // Invoicing used the credit on its original when it was attested: the original already owes that less.
            lower(&plan.targets[index], by: amount)
            plan.targets[index].explanation += "; credit invoice \(credit.invoiceNumber) already credited it"
            return
        }
        guard credit.originalInvoiceID == nil else {
            plan.notes.append(
                "credit invoice \(credit.invoiceNumber) was used on the invoice it credits, which this payment does "
                    + "not reference: not applied"
            )
            return
        }
        guard let index = debits.first(where: { plan.targets[$0].receivable.currency == credit.currency }) else {
            plan.notes.append(
                "credit invoice \(credit.invoiceNumber) is not the debtor's of any invoice this payment pays: not applied"
            )
            return
        }
        let target = plan.targets[index]
        // What this payment already uses of the credit, and already sets against the invoice: two TK23 records naming
        // the same credit invoice or the same debit must not use it twice or past the balance.
        let credits = plan.credits
        guard
            let usedOfCredit = MinorUnits.total(
                credits.filter { $0.credit.invoiceID == credit.invoiceID }.map(\.amount)
            ),
            let usedOnDebit = MinorUnits.total(
                credits.filter { $0.debitInvoiceID == target.receivable.invoiceID }.map(\.amount)
            ),
            let available = MinorUnits.difference(try CreditInvoices.available(credit, db), usedOfCredit),
            let debitLeft = MinorUnits.difference(target.receivable.balance, usedOnDebit)
        else {
            plan.notes.append(
                "credit invoice \(credit.invoiceNumber): the payment's credit amounts overflow: not applied"
            )
            return
        }
        guard amount <= available, amount <= max(debitLeft, 0) else {
            plan.notes.append(
                "credit invoice \(credit.invoiceNumber) has \(target.receivable.money(available)) left, the payment "
                    + "uses \(target.receivable.money(amount)) on invoice \(target.receivable.invoiceNumber): not applied"
            )
            return
        }
        lower(&plan.targets[index], by: amount)
        plan.targets[index].explanation +=
            "; credit invoice \(credit.invoiceNumber) used for \(target.receivable.money(amount))"
        plan.credits.append(.init(credit: credit, debitInvoiceID: target.receivable.invoiceID, amount: amount))
    }

    private static func lower(_ target: inout Plan.Target, by credit: Int64) {
        if let amount = target.amount { target.amount = max(amount - credit, 0) }
    }

    /// OCR references and invoice numbers in free text: only the payer's invoices, or one whose reference has a valid
    /// check digit and whose open amount is what was paid; more than one is ambiguous.
    private static func addFreeText(_ payment: IncomingPayment, to plan: inout Plan, _ db: Database) throws {
        let identity = payment.identity
        var payers: [Plan.Target] = []
        var fitting: [Plan.Target] = []
        var seen: Set<String> = []
        for text in payment.freeTexts {
            for run in ReferenceExtraction.digitRuns(in: text) {
                for receivable in try lookUp(column: nil, value: run, payment, db)
                where seen.insert(receivable.invoiceID).inserted {
                    let isOCR = receivable.ocr == run
                    let what = isOCR ? "OCR \(run)" : "invoice number \(run)"
                    if let owner = try identity.owns(receivable, db) {
                        payers.append(
                            .init(
                                receivable: receivable,
                                amount: nil,
                                method: owner.method,
                                explanation: "\(what) in the text; \(owner.why)"
                            )
                        )
                    } else if isAnothersInvoice(receivable, identity) {
                        plan.candidates.append((receivable, Self.notMatched(receivable, what, payment)))
                    } else if !isOCR || (try? OCRReference(parsing: run, level: .soft)) != nil, receivable.balance > 0,
                        receivable.balance == payment.amount.amount
                    {
                        fitting.append(
                            .init(
                                receivable: receivable,
                                amount: nil,
                                method: isOCR ? .ocr : .invoiceNumber,
                                explanation: "\(what) in the text"
                                    + (isOCR ? " has a valid check digit" : "")
                                    + " and the invoice's open amount is what was paid",
                                teachesPayer: isOCR
                            )
                        )
                    } else {
                        plan.candidates.append((receivable, Self.notMatched(receivable, what, payment)))
                    }
                }
            }
        }
        // The payer's own invoices count before any that only fit by amount.
        let byPayer = !payers.isEmpty
        let acceptable = byPayer ? payers : fitting
        if byPayer {
            plan.candidates += fitting.map { ($0.receivable, "fits the amount, but the payer's own invoice is named") }
        }
        let open = acceptable.filter { $0.receivable.balance > 0 }
        let openTotal = MinorUnits.total(open.map(\.receivable.balance))
        if acceptable.count == 1 {
            plan.targets = acceptable
        } else if open.count == 1 {
            plan.targets = open
            plan.candidates += acceptable.filter { $0.receivable.balance <= 0 }.map {
                ($0.receivable, "already paid")
            }
        } else if open.count > 1 && byPayer && openTotal == payment.amount.amount {
            // The payer's own invoices, and the payment is exactly what they owe together.
            plan.targets = open
        } else if !acceptable.isEmpty {
            plan.candidates =
                acceptable.map { ($0.receivable, "one of several invoices the text names") }
                + plan.candidates
            plan.refusal =
                "ambiguous: the text names \(acceptable.count) invoices that could be the payer's "
                + "(\(acceptable.map(\.receivable.invoiceNumber).joined(separator: ", "))); link the right one"
        } else {
            try addPayersOpenInvoices(payment, to: &plan, db)
            if !plan.candidates.isEmpty {
                plan.refusal = "no invoice of this payer matches the reference or text; candidates are listed"
            }
        }
    }

    /// Whether the payer is known to be someone other than the invoice's debtor (both organisation or personal
    /// numbers known, and different).
    private static func isAnothersInvoice(_ receivable: ReceivableRecord, _ identity: PayerIdentity) -> Bool {
        guard let payer = identity.identity, let debtor = receivable.debtorIdentity else { return false }
        return payer != debtor
    }

    private static func notMatched(_ receivable: ReceivableRecord, _ what: String, _ payment: IncomingPayment)
        -> String
    {
        if receivable.balance <= 0 {
            return "\(what) in the text names invoice \(receivable.invoiceNumber), already paid"
        }
        if isAnothersInvoice(receivable, payment.identity) {
            return "\(what) in the text names invoice \(receivable.invoiceNumber) of \(receivable.debtorName), "
                + "another debtor than the payer"
        }
        return "\(what) in the text names invoice \(receivable.invoiceNumber) of \(receivable.debtorName), who is not "
            + "known to be the payer, and its open amount \(receivable.money(receivable.balance)) is not the "
            + "\(payment.amount) paid"
    }

    /// How many of a payer's open invoices are listed as candidates, per debtor the payer is linked to.
    static let payersOpenInvoicesListed = 5

    /// A debtor's open receivables (balance above zero) within a creditor, earliest due first: creditor, debtor key
    /// and limit as arguments.
    static let payersOpenInvoicesQuery = """
        \(ReceivableRecord.select)
        WHERE creditorID = ? AND debtorKey = ?
            AND \(ReceivableRecord.balanceExpression) > 0
        ORDER BY dueDate, invoiceNumber, invoiceID
        LIMIT ?
        """

    /// When the payer is known but the text names none of its invoices: its open invoices, for the operator.
    private static func addPayersOpenInvoices(_ payment: IncomingPayment, to plan: inout Plan, _ db: Database) throws {
        guard let creditorID = payment.creditorID else { return }
        let identity = payment.identity
        var debtorKeys: [String] = identity.identity.map { ["id:\($0)"] } ?? []
        for key in identity.keys {
            debtorKeys += try String.fetchAll(
                db.cachedStatement(sql: "SELECT debtorKey FROM payer_link WHERE creditorID = ? AND payerKey = ?"),
                arguments: [creditorID, key]
            )
        }
        var seen = Set(plan.candidates.map(\.receivable.invoiceID))
        for debtorKey in Set(debtorKeys).sorted() {
            // Open in SQL, before the limit: a payer with many paid invoices still has the open ones listed. The
            // earliest due first, and a total order so the same payment lists the same candidates every time.
            let open = try ReceivableRecord.fetchAll(
                db.cachedStatement(sql: Self.payersOpenInvoicesQuery),
                arguments: [creditorID, debtorKey, Self.payersOpenInvoicesListed]
            )
            for receivable in open where seen.insert(receivable.invoiceID).inserted {
                plan.candidates.append((receivable, "an open invoice of the payer; the payment names none"))
            }
        }
    }

    /// Drops the targets the payment may not settle (an IBAN invoice from bankgiro data, another currency), with
    /// the reason; prefers open invoices, so that a payment quoting a paid and an open one settles the open one.
    private static func admissible(_ plan: Plan, _ payment: IncomingPayment) throws -> Plan {
        var plan = plan
        var targets: [Plan.Target] = []
        for target in plan.targets {
            let receivable = target.receivable
            if payment.source == "bankgiro" && !receivable.reconcilableFromBankgiro {
                plan.refusal =
                    "invoice \(receivable.invoiceNumber) is paid by IBAN and is not reconcilable from bankgiro data"
                plan.candidates.append((receivable, "paid by IBAN, not from bankgiro data"))
                continue
            }
            if receivable.currency != payment.amount.currency.code {
                plan.refusal =
                    "currency \(payment.amount.currency.code) differs from invoice \(receivable.invoiceNumber)'s \(receivable.currency)"
                plan.candidates.append(
                    (receivable, "in \(receivable.currency), the payment in \(payment.amount.currency.code)")
                )
                continue
            }
            targets.append(target)
        }
        let open = targets.filter { $0.receivable.balance > 0 }
        plan.targets = open.isEmpty ? targets : open
        let kept = Set(plan.targets.map(\.receivable.invoiceID))
        plan.credits = plan.credits.filter { kept.contains($0.debitInvoiceID) }
        return plan
    }

    // MARK: - Looking up

    /// The creditor whose invoices name a receiving bankgiro number, if any.
    static func creditor(receivingOn bankgiro: String, _ db: Database) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT creditorID FROM receivable WHERE payeeBankgiro = ? LIMIT 1"),
            arguments: [bankgiro]
        )
    }

    /// Receivables whose `column` (`ocr` or `invoiceNumber`; both when `nil`) is `value`, within the receiving
    /// creditor; without one, only an unambiguous match counts, and a payment to a bankgiro no invoice names matches
    /// nothing.
    static func lookUp(column: String?, value: String, _ payment: IncomingPayment, _ db: Database) throws
        -> [ReceivableRecord]
    {
        let condition = column.map { "\($0) = ?" } ?? "(ocr = ? OR invoiceNumber = ?)"
        let values: [String] = column == nil ? [value, value] : [value]
        if let creditor = payment.creditorID {
            return try ReceivableRecord.fetchAll(
                db.cachedStatement(sql: "\(ReceivableRecord.select) WHERE creditorID = ? AND \(condition) LIMIT 5"),
                arguments: StatementArguments([creditor] + values)
            )
        }
        // resolveCreditor already looked for the creditor behind the bankgiro: none means no receivable names it.
        if payment.payeeBankgiro != nil { return [] }
        let matches = try ReceivableRecord.fetchAll(
            db.cachedStatement(sql: "\(ReceivableRecord.select) WHERE \(condition) LIMIT 2"),
            arguments: StatementArguments(values)
        )
        return matches.count == 1 ? matches : []
    }
}
