import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Imports a BgMax file: checks that it adds up, then registers and matches every payment in it, in one
/// transaction, and reconciles every deposit. A file that does not add up, a test file (unless
/// `ALLOW_TEST_BANK_FILES` outside production) and a file whose encoding cannot keep the layout are rejected with
/// the reason; the same file twice changes nothing.
struct ImportBankgiroFileHandler: MessageHandler {
    /// Larger files are parked as `too-large` before they are parsed (`MAX_BANK_FILE_BYTES`).
    var maximumBytes = ServiceSettings.defaultMaximumBankFileBytes
    /// Whether a file marked `T` (test) in its start record is booked (`ALLOW_TEST_BANK_FILES`, never in
    /// production).
    var allowsTestFiles = false

    func handle(_ command: ImportBankgiroFile, context: HandlerContext) throws {
        // Counted in UTF-8, before anything else looks at the file: the check costs one pass over the bytes.
        let size = command.content.utf8.count
        guard size <= maximumBytes else {
            throw PermanentFailure.tooLarge(
                "bankgiro file of \(size) bytes is over the maximum of \(maximumBytes) (MAX_BANK_FILE_BYTES)"
            )
        }
        // A character above U+00FF cannot be a byte of the file: the text is the file decoded, so its UTF-8 is
        // what the parser reads (and refuses with the line, if ISO-8859-1 cannot hold it).
        let bytes = command.latin1Bytes ?? Array(command.content.utf8)
        let file: BgMaxFile
        do {
            file = try BgMaxParser.parse(bytes)
        } catch {
            return try context.reject([FieldError("content", "\(error)")])
        }
        guard !file.header.isTest || allowsTestFiles else {
            return try context.reject([
                FieldError(
                    "content",
                    "a test file: the start record marks it T (position 45), and a test file is never booked as "
                        + "real money (ALLOW_TEST_BANK_FILES=true books one outside production, for a demo)"
                )
            ])
        }
        // Bankgiro settles in kronor, as register-payment also requires; a deposit in another currency would be
        // summed and matched as if it were SEK.
        let foreign = file.deposits.filter { $0.currency != .sek }.map {
            "\($0.depositSerialNumber) (\($0.currency.code))"
        }
        guard foreign.isEmpty else {
            return try context.reject([
                FieldError(
                    "content",
                    "bankgiro payments are in SEK; deposits in another currency: \(foreign.joined(separator: ", "))"
                )
            ])
        }
        let fileKey = Self.key(file)
        let seen = try Bool.fetchOne(
            context.db,
            sql: "SELECT EXISTS(SELECT 1 FROM bankgiro_file WHERE fileKey = ?)",
            arguments: [fileKey]
        )
        if seen == true {
            context.logger.info("bankgiro file already imported", metadata: ["file.key": "\(fileKey)"])
            return
        }
        // The parser refuses a file whose sums overflow; what is left must also stay within the bound every service
        // keeps amounts to, or the receivables' balances could not be computed.
        guard let total = MinorUnits.total(file.deposits.map(\.total.amount)) else {
            return try context.reject([
                FieldError("content", "the deposits sum to more than \(MinorUnits.bound) minor units")
            ])
        }
        var payments = 0
        var reconciliations: [BankgiroFileImported.DepositReconciliation] = []
        for deposit in file.deposits {
            payments += deposit.payments.count
            reconciliations.append(try Self.book(deposit, fileKey: fileKey, context: context))
        }
        for warning in file.warnings {
            context.logger.warning("bankgiro file: \(warning)", metadata: ["file.key": "\(fileKey)"])
        }
        try context.db.execute(
            sql:
                "INSERT INTO bankgiro_file (fileKey, fileName, importedAt, deposits, payments, total) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                fileKey, command.fileName, context.now.timeIntervalSince1970, file.deposits.count, payments, total,
            ]
        )
        // One line per booked file, for an operator following a file (and its trace) through the logs.
        context.logger.info(
            "bankgiro file booked",
            metadata: [
                "file.key": "\(fileKey)", "file.deposits": "\(file.deposits.count)", "file.payments": "\(payments)",
                "file.total": "\(Money(minorUnits: total, .sek))",
            ]
        )
        try context.publish(
            BankgiroFileImported(
                fileKey: fileKey,
                deposits: file.deposits.count,
                payments: payments,
                total: Money(minorUnits: total, .sek),
                skippedRecords: file.skippedRecords.count,
                warnings: file.warnings,
                encoding: file.encoding.rawValue,
                reconciliation: reconciliations
            )
        )
    }

    /// Registers and matches a deposit's payments and deductions, and reconciles it.
    ///
    /// A deduction (TK21) that names a credit invoice is set off against the payer's payment in the deposit that pays
    /// an invoice of the credit's debtor: the deduction is allocated to that invoice (negative), the payment in full,
    /// and the credit (apply-credit, for a standalone credit invoice) closes what the deduction left open. Other
    /// services see the payment net of the deduction, never a negative amount. Without such a payment the deduction
    /// stays unmatched for an operator.
    static func book(_ deposit: BgMaxDeposit, fileKey: String, context: HandlerContext) throws
        -> BankgiroFileImported.DepositReconciliation
    {
        // BgMax gives it without the zero padding already (BgMaxDeposit).
        let payeeBankgiro = deposit.payeeBankgiro
        // Once per deposit, not per payment: every payment in it went to the same bankgiro.
        let creditorID = try PaymentMatcher.creditor(receivingOn: payeeBankgiro, context.db)
        let incoming = deposit.payments.enumerated().map { position, payment in
            var incoming = Self.incoming(payment, position: position, deposit: deposit, payeeBankgiro: payeeBankgiro)
            incoming.receivingCreditorID = .some(creditorID)
            return incoming
        }
        let pairs = try Self.pairDeductions(deposit, incoming, creditorID: creditorID, context.db)
        let paired = Set(pairs.map(\.deduction))
        // The credits the deposit's payers used are the uses recorded while it is booked.
        let lastCreditUse = try Int64.fetchOne(context.db, sql: "SELECT COALESCE(MAX(id), 0) FROM credit_use") ?? 0
        var booked: Int64 = 0
        var unmatched: Int64 = 0
        var deductions: Int64 = 0
        for index in incoming.indices where !paired.contains(index) {
            let setOffs = pairs.filter { $0.payment == index }
            var records: [PaymentRecord] = []
            // The deductions first: their negative allocations leave the invoice owing what the payment pays.
            for setOff in setOffs {
                records.append(
                    try Self.registered(
                        incoming[setOff.deduction],
                        plan: PaymentMatcher.Plan(setOffAgainst: (setOff.invoiceID, setOff.explanation)),
                        context
                    )
                )
            }
            var plan: PaymentMatcher.Plan?
            if !setOffs.isEmpty {
                plan = try PaymentMatcher.plan(incoming[index], context.db)
                for setOff in setOffs { plan?.setOffs[setOff.invoiceID, default: 0] += setOff.amount }
                plan?.credits += setOffs.flatMap(\.credits)
            }
            records.append(try Self.registered(incoming[index], plan: plan, context))
            for record in records {
                booked = try sum(booked, record.amount - record.unapplied)
                if record.amount < 0 {
                    deductions = try sum(deductions, record.unapplied)
                } else {
                    unmatched = try sum(unmatched, record.unapplied)
                }
            }
        }
        let creditsApplied =
            try Int64.fetchOne(
                context.db,
                sql: "SELECT COALESCE(SUM(amount), 0) FROM credit_use WHERE id > ?",
                arguments: [lastCreditUse]
            ) ?? 0
        return try reconcile(
            deposit,
            booked: booked,
            unmatched: unmatched,
            deductions: deductions,
            creditsApplied: creditsApplied,
            fileKey: fileKey,
            context.db
        )
    }

    /// The payment registered and matched, or as it was registered before under the same source id.
    private static func registered(_ payment: IncomingPayment, plan: PaymentMatcher.Plan?, _ context: HandlerContext)
        throws -> PaymentRecord
    {
        if let record = try PaymentMatcher.register(payment, plan: plan, context: context) { return record }
        guard
            let existing = try PaymentRecord.fetchOne(
                context.db,
                sql: "SELECT * FROM payment WHERE source = ? AND sourceID = ?",
                arguments: [payment.source, payment.sourceID]
            )
        else { throw PermanentFailure(reason: "payment-vanished", detail: "payment \(payment.sourceID) is gone") }
        return existing
    }

    /// A deduction and the payment of the same deposit it is set off against.
    struct DeductionPair {
        var deduction: Int
        var payment: Int
        /// The deduction's amount, positive.
        var amount: Int64
        /// The invoice the payment pays, which the deduction is allocated to.
        var invoiceID: String
        /// The standalone credit invoice's use on the invoice the payment pays (none when invoicing already used the
        /// credit on that invoice, its original).
        var credits: [PaymentMatcher.Plan.CreditUse]
        var explanation: String
    }

    /// Each deduction that names a credit invoice of the receiving creditor, with the payment of the deposit it is
    /// set off against: one from the same sending bankgiro if the deduction names one, paying an invoice of the
    /// credit's debtor that owes at least the payment (before the credit), using no other credit.
    static func pairDeductions(
        _ deposit: BgMaxDeposit,
        _ incoming: [IncomingPayment],
        creditorID: String?,
        _ db: Database
    ) throws -> [DeductionPair] {
        guard let creditorID, deposit.payments.contains(where: { $0.kind == .deduction }) else { return [] }
        var pairs: [DeductionPair] = []
        var plans: [Int: PaymentMatcher.Plan] = [:]
        for (index, deduction) in deposit.payments.enumerated() where deduction.kind == .deduction {
            let texts = [deduction.mainReference.text] + deduction.informationTexts
            let runs = texts.flatMap { ReferenceExtraction.digitRuns(in: $0) }
            guard
                let credit = try runs.lazy.compactMap({ try CreditInvoices.find($0, creditorID: creditorID, db) })
                    .first
            else { continue }
            let amount = deduction.amount.amount
            if credit.originalInvoiceID == nil {
                let reserved = MinorUnits.total(
                    pairs.flatMap(\.credits).filter { $0.credit.invoiceID == credit.invoiceID }.map(\.amount)
                )
                guard let reserved,
                    let left = MinorUnits.difference(try CreditInvoices.available(credit, db), reserved),
                    left >= amount
                else { continue }
            }
            let taken = Set(pairs.map(\.payment))
            for candidate in incoming.indices where deposit.payments[candidate].kind == .payment {
                let payment = deposit.payments[candidate]
                guard !taken.contains(candidate), payment.amount.amount >= amount else { continue }
                if let sender = deduction.senderBankgiro, payment.senderBankgiro != sender { continue }
                if plans[candidate] == nil { plans[candidate] = try PaymentMatcher.plan(incoming[candidate], db) }
                guard let plan = plans[candidate], plan.credits.isEmpty,
                    let target = plan.targets.first(where: {
                        PayerIdentity.namesOneDebtor(credit.debtorKey) && $0.receivable.debtorKey == credit.debtorKey
                            && $0.receivable.currency == credit.currency
                            && (credit.originalInvoiceID == nil
                                ? $0.receivable.balance >= payment.amount.amount
                                : credit.originalInvoiceID == $0.receivable.invoiceID
                                    && (MinorUnits.sum($0.receivable.balance, amount) ?? .min) >= payment.amount.amount)
                    })
                else { continue }
                let number = target.receivable.invoiceNumber
                pairs.append(
                    DeductionPair(
                        deduction: index,
                        payment: candidate,
                        amount: amount,
                        invoiceID: target.receivable.invoiceID,
                        credits: credit.originalInvoiceID == nil
                            ? [.init(credit: credit, debitInvoiceID: target.receivable.invoiceID, amount: amount)]
                            : [],
                        explanation: "deduction (TK21) of credit invoice \(credit.invoiceNumber), set off against the "
                            + "payer's payment of invoice \(number) in the same deposit"
                    )
                )
                break
            }
        }
        return pairs
    }

    /// `total == booked + unmatched + deductions` for the deposit, stored for the report.
    static func reconcile(
        _ deposit: BgMaxDeposit,
        booked: Int64,
        unmatched: Int64,
        deductions: Int64,
        creditsApplied: Int64,
        fileKey: String,
        _ db: Database
    ) throws -> BankgiroFileImported.DepositReconciliation {
        let accounted = try sum(try sum(booked, unmatched), deductions)
        guard accounted == deposit.total.amount else {
            // A payment of the deposit was registered before (by another file): say so rather than book a deposit
            // that does not add up.
            throw PermanentFailure(
                reason: "deposit-does-not-reconcile",
                detail:
                    "deposit \(deposit.depositSerialNumber) of \(deposit.paymentDate): total \(deposit.total.amount), "
                    + "booked \(booked) + unmatched \(unmatched) + deductions \(deductions) = \(accounted)"
            )
        }
        let record = DepositReconciliationRecord(
            fileKey: fileKey,
            payeeBankgiro: deposit.payeeBankgiro,
            paymentDate: deposit.paymentDate.description,
            depositSerialNumber: deposit.depositSerialNumber,
            total: deposit.total.amount,
            booked: booked,
            unmatched: unmatched,
            deductions: deductions,
            creditsApplied: creditsApplied
        )
        try record.insert(db)
        let sek = { (amount: Int64) in Money(minorUnits: amount, deposit.currency) }
        return .init(
            payeeBankgiro: deposit.payeeBankgiro,
            paymentDate: deposit.paymentDate,
            depositSerialNumber: deposit.depositSerialNumber,
            total: deposit.total,
            booked: sek(booked),
            unmatched: sek(unmatched),
            deductions: sek(deductions),
            creditsApplied: sek(creditsApplied)
        )
    }

    private static func sum(_ a: Int64, _ b: Int64) throws -> Int64 {
        guard let sum = MinorUnits.sum(a, b) else {
            throw FaultyEventAmount.amountOutOfRange.failure("a deposit's reconciliation leaves ±\(MinorUnits.bound)")
        }
        return sum
    }

    /// What makes a file the same file: its write time and its deposits (bankgiro, date, serial number).
    static func key(_ file: BgMaxFile) -> String {
        file.header.timestamp.text + "/"
            + file.deposits.map { "\($0.payeeBankgiro):\($0.paymentDate):\($0.depositSerialNumber)" }.joined(
                separator: ","
            )
    }

    /// The payment as matching sees it. Its source id is the deposit (bankgiro, date, serial number) and its position
    /// in it: Bankgirot's own sample files repeat BGC serial numbers within a deposit, so the serial alone is not unique.
    ///
    /// Reference fields become structured references when Bankgirot verified them (code 2 or 4) or their check
    /// digit is valid, each extra reference with its amount (0 in the file: none stated); any other reference is
    /// free text, as are the information records.
    static func incoming(_ payment: BgMaxPayment, position: Int, deposit: BgMaxDeposit, payeeBankgiro: String)
        -> IncomingPayment
    {
        var structured: [IncomingPayment.StructuredReference] = []
        var freeTexts: [String] = []
        for (index, reference) in payment.references.enumerated() where !reference.text.isEmpty {
            let isMain = index == 0
            let verified =
                reference.code.isVerified
                || (!isMain && (try? OCRReference(parsing: reference.text, level: .soft)) != nil)
            guard verified, payment.kind == .payment else {
                freeTexts.append(reference.text)
                continue
            }
            structured.append(
                .init(
                    text: reference.text,
                    amount: isMain || reference.amount.amount == 0 ? nil : reference.amount.amount,
                    isNegative: reference.isNegative,
                    method: isMain ? .ocr : .extraReference
                )
            )
        }
        freeTexts += payment.informationTexts
        let main = payment.mainReference.text
        return IncomingPayment(
            source: "bankgiro",
            sourceID: "\(payeeBankgiro)-\(deposit.paymentDate)-\(deposit.depositSerialNumber)-\(position + 1)",
            // A deduction is money taken back from the deposit: a negative payment.
            amount: payment.signedAmount,
            paymentDate: deposit.paymentDate,
            structuredReferences: structured,
            freeTexts: freeTexts,
            displayReference: main.isEmpty ? nil : main,
            message: payment.informationTexts.first,
            payer: RegisterPayment.Payer(
                name: payment.payer?.name,
                bankgiro: payment.senderBankgiro,
                organisationNumber: payment.payer?.organisationNumber
            ),
            creditorID: nil,
            payeeBankgiro: payeeBankgiro,
            invoiceID: nil,
            isDeduction: payment.kind == .deduction
        )
    }
}
