import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Creates an unattested credit invoice from an original, with the original's lines reversed in full or in part.
/// The original counts as credited only when the credit invoice is attested.
struct CreateCreditInvoiceHandler: MessageHandler {
    func handle(_ command: CreateCreditInvoice, context: HandlerContext) throws {
        guard let original = try InvoiceRecord.find(command.originalInvoiceID, context.db) else {
            return try context.reject([FieldError("originalInvoiceID", "no invoice '\(command.originalInvoiceID)'")])
        }
        if let existing = try InvoiceRecord.find(
            creditorID: original.creditorID,
            externalID: command.externalID,
            context.db
        ) {
            context.logger.info(
                "credit invoice already exists for this external id",
                metadata: ["invoice.id": "\(existing.id)"]
            )
            return
        }
        guard original.kind == "debit", original.status != .draft else {
            return try context.reject([FieldError("originalInvoiceID", "only an issued debit invoice can be credited")])
        }
        let created = try original.createdEvent
        var errors: [FieldError] = []
        var lines: [CreateInvoice.Line] = []
        var credited: [CreateCreditInvoice.CreditedLine] = []
        var linesCreditedBefore = try CreditInvoiceRules.creditedQuantities(of: original.id, context.db)
        let selection =
            command.lines ?? created.lines.indices.map { CreateCreditInvoice.CreditedLine(lineIndex: $0) }
        for (position, choice) in selection.enumerated() {
            guard created.lines.indices.contains(choice.lineIndex) else {
                errors.append(
                    FieldError("lines[\(position)].lineIndex", "the original has no line \(choice.lineIndex)")
                )
                continue
            }
            var line = created.lines[choice.lineIndex].line
            if let quantity = choice.quantity {
                if quantity.isNegative || quantity.isZero || quantity > line.quantity {
                    errors.append(
                        FieldError(
                            "lines[\(position)].quantity",
                            "must be above zero and at most the original's \(line.quantity)"
                        )
                    )
                    continue
                }
                line.quantity = quantity
            }
            // Earlier credits of the line (drafts included) count: the line is credited at most once in all.
            let before = linesCreditedBefore[choice.lineIndex] ?? DecimalQuantity(units: 0, scale: 0)
            let invoiced = created.lines[choice.lineIndex].line.quantity
            guard let creditedNow = before.adding(line.quantity), creditedNow <= invoiced else {
                let remaining = invoiced.adding(before.negated).map(\.description) ?? "none"
                errors.append(
                    FieldError(
                        "lines[\(position)].quantity",
                        "\(before) of the original's \(invoiced) are credited already; at most \(remaining) remain"
                    )
                )
                continue
            }
            linesCreditedBefore[choice.lineIndex] = creditedNow
            credited.append(.init(lineIndex: choice.lineIndex, quantity: line.quantity))
            line.quantity = line.quantity.negated
            lines.append(line)
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        let priced: InvoicePricing.Priced
        switch InvoicePricing.price(lines, currency: original.currencyValue) {
        case .success(let result): priced = result
        case .failure(let lineErrors): return try context.reject(lineErrors.errors)
        }
        // In totals, not in what the buyer owes: a credit of ROT/RUT work lowers the original's amount due by less
        // than its total (the reduction it takes back was never the buyer's to pay).
        let creditedBefore =
            try Int64.fetchOne(
                context.db,
                sql: "SELECT COALESCE(SUM(-total), 0) FROM invoice WHERE originalInvoiceID = ?",
                arguments: [original.id]
            ) ?? 0
        // Both are sums of totals that pricing holds within ±10¹⁴; checked all the same, as they come from commands.
        let (remaining, overflow) = original.total.subtractingReportingOverflow(creditedBefore)
        guard !overflow, -priced.totals.total.amount <= remaining else {
            return try context.reject([
                FieldError(
                    "lines",
                    "crediting \(priced.totals.total.amount.magnitude) minor units is more than the \(remaining) that remain "
                        + "to credit on the original"
                )
            ])
        }
        let today = CalendarDate.today(at: context.now)
        let event = InvoiceCreated(
            invoiceID: RandomIdentifier.make(),
            creditorID: original.creditorID,
            externalID: command.externalID,
            kind: "credit",
            debtor: created.debtor,
            invoiceDate: today,
            dueDate: today,
            lines: priced.lines,
            totals: priced.totals,
            originalInvoiceID: original.id
        )
        try InvoiceStore.insertDraft(
            event,
            creditedLines: String(decoding: try MessageCoding.encode(credited), as: UTF8.self),
            context: context
        )
        try context.publish(event)
    }
}

/// What attesting a credit invoice does to its original.
enum CreditInvoiceRules {
    /// What a credit of ROT/RUT labour does to the original's reduction.
    struct LoweredReduction {
        /// The reduction it takes back (positive, whole kronor).
        var takenBack: Int64
        /// The labour cost including VAT it credits (positive).
        var labourCredited: Int64
        /// Each buyer's reduction as it stands after it.
        var buyers: [BuyerReduction]
    }

    /// Lowers the original's reduction for a credit being attested, or `nil` when the original has none or the
    /// credit no labour.
    ///
    /// The buyer never paid the reduction, so crediting it to the buyer would leave the original owing the buyer
    /// Skatteverket's part. The credited labour is taken from the buyers in proportion to their labour; each buyer's
    /// reduction keeps its allocated proportion to the labour left, rounded down to whole kronor
    /// (``BuyerReduction/standing(withLabour:)``). So no buyer's claim exceeds the rate (or the annual cap it was
    /// allocated within) of what stands, and crediting all the labour takes back all the reduction. Worked out at
    /// attest, in the order credits are attested, which is the order tax-reduction applies them in.
    static func lowerReduction(of original: InvoiceRecord, byCrediting lines: [PricedLine]) throws
        -> LoweredReduction?
    {
        let buyers = try original.buyerReductions
        guard let labour = InvoicePricing.labour(of: lines) else {
            throw FieldErrors([FieldError("invoiceID", "the credited ROT/RUT labour is beyond any invoice amount")])
        }
        let credited = -labour
        guard !buyers.isEmpty, credited > 0 else { return nil }
        // The credit's lines are within what is left of the original's (checked when it was created), so no buyer
        // gives up more labour than they have.
        let parts = try original.money(credited).allocate(weights: buyers.map(\.labour)).map(\.amount)
        var lowered = buyers
        var takenBack: Int64 = 0
        for index in buyers.indices {
            lowered[index].labour = buyers[index].labour - parts[index]
            lowered[index].reduction = buyers[index].standing(withLabour: lowered[index].labour)
            takenBack += buyers[index].reduction - lowered[index].reduction
        }
        return LoweredReduction(takenBack: takenBack, labourCredited: credited, buyers: lowered)
    }

    /// How much of each of the original's lines its credit invoices (drafts included) credit, by line index.
    static func creditedQuantities(of originalID: String, _ db: Database) throws -> [Int: DecimalQuantity] {
        var quantities: [Int: DecimalQuantity] = [:]
        for text in try String.fetchAll(
            db,
            sql: "SELECT creditedLines FROM invoice WHERE originalInvoiceID = ? AND creditedLines IS NOT NULL",
            arguments: [originalID]
        ) {
            for line in try MessageCoding.decode([CreateCreditInvoice.CreditedLine].self, from: Array(text.utf8)) {
                let quantity = line.quantity ?? DecimalQuantity(units: 0, scale: 0)
                let before = quantities[line.lineIndex] ?? DecimalQuantity(units: 0, scale: 0)
                // Each was checked to fit within the line when it was stored, so the sum fits too.
                guard let sum = before.adding(quantity) else {
                    throw FaultyEventAmount.amountOutOfRange.failure(
                        "the credited quantities of line \(line.lineIndex) of invoice \(originalID) cannot be summed"
                    )
                }
                quantities[line.lineIndex] = sum
            }
        }
        return quantities
    }

    /// Lowers the original's balance by the credit and publishes invoice-credited; the credit invoice itself is used
    /// up by this, so its own balance is zero.
    static func creditOriginal(
        _ original: InvoiceRecord,
        by credit: InvoiceRecord,
        lowering lowered: LoweredReduction?,
        context: HandlerContext
    ) throws {
        var original = original
        if let lowered { try original.setBuyerReductions(lowered.buyers) }
        let amount = -credit.amountDue
        original.credited = try InvoiceRecord.accumulate(original.credited, amount, "credited on \(original.id)")
        InvoiceStore.closeIfSettled(&original, at: context.now)
        try InvoiceStore.update(
            original,
            event: "credited",
            detail: "credited \(original.money(amount)) by credit invoice \(credit.number ?? credit.id)",
            context: context
        )
        var used = credit
        used.creditApplied = credit.amountDue
        InvoiceStore.closeIfSettled(&used, at: context.now)
        try used.update(context.db)
        try context.publish(
            InvoiceCredited(
                invoiceID: original.id,
                creditInvoiceID: credit.id,
                amount: original.money(amount),
                taxReductionCredited: lowered.map { original.money($0.takenBack) },
                labourCredited: lowered.map { original.money($0.labourCredited) },
                taxReductionStanding: lowered?.buyers.map { $0.standing(in: original.currencyValue) }
            )
        )
    }
}
