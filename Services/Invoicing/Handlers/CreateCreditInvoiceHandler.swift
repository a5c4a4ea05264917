import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Creates an unattested credit invoice from an original, with the original's lines reversed in full or in part, by
/// quantity, by amount per line or by a total amount. The original counts as credited only when the credit invoice is
/// attested.
struct CreateCreditInvoiceHandler: MessageHandler {
    func handle(_ command: CreateCreditInvoice, context: HandlerContext) throws {
        let externalIDErrors = InvoiceValidation.externalIDErrors(command.externalID)
        guard externalIDErrors.isEmpty else { return try context.reject(externalIDErrors) }
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
        let currency = original.currencyValue
        let history = try CreditInvoiceRules.history(of: original.id, context.db)
        let pieces: [CreditPricing.Piece]
        switch CreditInvoiceRules.pieces(
            for: command,
            of: created.lines,
            after: history,
            originalTotal: original.total,
            currency: currency
        ) {
        case .success(let chosen): pieces = chosen
        case .failure(let errors): return try context.reject(errors.errors)
        }
        let priced: CreditPricing.Priced
        do {
            priced = try CreditPricing.price(pieces, of: created.lines, after: history, currency: currency)
        } catch {
            return try context.reject(error.errors)
        }
        // In totals, not in what the buyer owes: a credit of ROT/RUT work lowers the original's amount due by less
        // than its total (the reduction it takes back was never the buyer's to pay). Credits are rounded on the
        // cumulative total, so what remains can always be credited in full; this still guards credits made before.
        let (remaining, overflow) = original.total.subtractingReportingOverflow(history.total)
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
            creditedLines: String(decoding: try MessageCoding.encode(priced.credited), as: UTF8.self),
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
            // The buyers' reductions came from tax-reduction's answer: summed checked, as any outside amount.
            guard let taken = MinorUnits.difference(buyers[index].reduction, lowered[index].reduction),
                let sum = MinorUnits.sum(takenBack, taken)
            else {
                throw FieldErrors([FieldError("invoiceID", "the buyers' ROT/RUT reductions sum beyond any amount")])
            }
            takenBack = sum
        }
        return LoweredReduction(takenBack: takenBack, labourCredited: credited, buyers: lowered)
    }

    /// What the original's credit invoices (drafts included) have credited so far.
    static func history(of originalID: String, _ db: Database) throws -> CreditHistory {
        var history = CreditHistory()
        for row in try Row.fetchAll(
            db,
            sql: "SELECT created, creditedLines FROM invoice WHERE originalInvoiceID = ? AND kind = 'credit'",
            arguments: [originalID]
        ) {
            let createdData: Data = row["created"]
            let creditedText: String? = row["creditedLines"]
            let credit = try MessageCoding.decode(InvoiceCreated.self, from: [UInt8](createdData))
            let lines = try creditedText.map {
                try MessageCoding.decode([CreateCreditInvoice.CreditedLine].self, from: Array($0.utf8))
            }
            // Each was checked to fit within the original when it was stored, so the sums fit too.
            guard history.add(credit, creditedLines: lines) else {
                throw FaultyEventAmount.amountOutOfRange.failure(
                    "the credits of invoice \(originalID) cannot be summed (credit invoice \(credit.invoiceID))"
                )
            }
        }
        return history
    }

    /// What of each original line a credit command takes, checked against what earlier credits left: the pieces, or
    /// every field error found.
    static func pieces(
        for command: CreateCreditInvoice,
        of original: [PricedLine],
        after history: CreditHistory,
        originalTotal: Int64,
        currency: Currency
    ) -> Result<[CreditPricing.Piece], FieldErrors> {
        if let amount = command.amount {
            guard command.lines == nil else {
                return .failure(FieldErrors([FieldError("amount", "give either a total amount or lines, not both")]))
            }
            return pieces(crediting: amount, of: original, after: history, originalTotal: originalTotal)
        }
        let selection = command.lines ?? original.indices.map { CreateCreditInvoice.CreditedLine(lineIndex: $0) }
        return pieces(for: selection, of: original, after: history, leaveOutSpent: command.lines == nil)
    }

    /// A credit of a total amount: spread over what remains of the lines, or all of it when it is all that remains.
    private static func pieces(
        crediting amount: Money,
        of original: [PricedLine],
        after history: CreditHistory,
        originalTotal: Int64
    ) -> Result<[CreditPricing.Piece], FieldErrors> {
        let currency = amount.currency
        guard original.allSatisfy({ $0.net.currency == currency }) else {
            let code = original.first?.net.currency.code ?? ""
            return .failure(FieldErrors([FieldError("amount.currency", "must be \(code), the original's")]))
        }
        // Both are within ±10¹⁴ (the original's total and what its credits took of it).
        let remaining = originalTotal - history.total
        guard amount.amount > 0, amount.amount <= remaining else {
            return .failure(
                FieldErrors([
                    FieldError(
                        "amount",
                        "must be above zero and at most the \(Money(minorUnits: max(remaining, 0), currency)) that "
                            + "remain to credit on the original"
                    )
                ])
            )
        }
        guard amount.amount < remaining else {
            let everyLine = original.indices.map { CreateCreditInvoice.CreditedLine(lineIndex: $0) }
            return pieces(for: everyLine, of: original, after: history, leaveOutSpent: true)
        }
        guard original.allSatisfy({ $0.net.amount >= 0 }) else {
            return .failure(
                FieldErrors([FieldError("amount", "the original has lines below zero; credit it line by line")])
            )
        }
        guard
            let spread = CreditPricing.pieces(
                crediting: amount.amount,
                of: original,
                after: history,
                currency: currency
            )
        else {
            return .failure(
                FieldErrors([
                    FieldError("amount", "\(amount) cannot be reached exactly with the lines' VAT; credit by line")
                ])
            )
        }
        return .success(spread)
    }

    /// A credit line by line: each by quantity, by amount, or (neither) what remains of it. With `leaveOutSpent`
    /// (no lines named), lines with nothing left are passed over rather than refused.
    private static func pieces(
        for selection: [CreateCreditInvoice.CreditedLine],
        of original: [PricedLine],
        after history: CreditHistory,
        leaveOutSpent: Bool
    ) -> Result<[CreditPricing.Piece], FieldErrors> {
        var errors: [FieldError] = []
        var pieces: [CreditPricing.Piece] = []
        var credited = history.lines
        for (position, choice) in selection.enumerated() {
            let field = "lines[\(position)]"
            guard original.indices.contains(choice.lineIndex) else {
                errors.append(FieldError("\(field).lineIndex", "the original has no line \(choice.lineIndex)"))
                continue
            }
            let line = original[choice.lineIndex]
            let before = credited[choice.lineIndex] ?? CreditHistory.Line()
            let piece: CreditPricing.Piece
            switch chosenPiece(of: line, choice, after: before, field: field) {
            case .success(let chosen?): piece = chosen
            case .success(nil):
                if !leaveOutSpent {
                    errors.append(FieldError(field, "nothing remains to credit of line \(choice.lineIndex)"))
                }
                continue
            case .failure(let refused):
                errors += refused.errors
                continue
            }
            var entry = before
            // Within the line's net (a piece never takes more than what is left of it), but checked all the same.
            guard let net = MinorUnits.sum(before.net, piece.net) else {
                errors.append(FieldError(field, "credits line \(choice.lineIndex) beyond its net"))
                continue
            }
            entry.net = net
            if let quantity = piece.quantity, let sum = before.quantity.adding(quantity) {
                entry.quantity = sum
            } else {
                entry.byAmount = true
            }
            credited[choice.lineIndex] = entry
            pieces.append(piece)
        }
        guard errors.isEmpty else { return .failure(FieldErrors(errors)) }
        guard !pieces.isEmpty else {
            return .failure(FieldErrors([FieldError("originalInvoiceID", "nothing remains to credit on the original")]))
        }
        return .success(pieces)
    }

    /// A refusal of one line's choice.
    private static func refused(_ error: FieldError) -> Result<CreditPricing.Piece?, FieldErrors> {
        .failure(FieldErrors([error]))
    }

    /// What one choice takes of one original line after `before`; `nil` when it names nothing and nothing is left.
    private static func chosenPiece(
        of line: PricedLine,
        _ choice: CreateCreditInvoice.CreditedLine,
        after before: CreditHistory.Line,
        field: String
    ) -> Result<CreditPricing.Piece?, FieldErrors> {
        let currency = line.net.currency
        let invoiced = line.line.quantity
        // Both below 10¹⁴ in magnitude: the line's net and what its credits took of it.
        let netLeft = line.net.amount - before.net
        switch (choice.quantity, choice.amount) {
        case (.some, .some):
            return refused(FieldError(field, "give a quantity or an amount, not both"))
        case (.some(let quantity), nil):
            if quantity.isNegative || quantity.isZero || quantity > invoiced {
                return refused(
                    FieldError("\(field).quantity", "must be above zero and at most the original's \(invoiced)")
                )
            }
            // Earlier credits of the line (drafts included) count: the line is credited at most once in all.
            guard let creditedNow = before.quantity.adding(quantity), creditedNow <= invoiced,
                let net = quantity.times(line.line.unitPrice)
            else {
                let remaining = invoiced.adding(before.quantity.negated).map(\.description) ?? "none"
                return refused(
                    FieldError(
                        "\(field).quantity",
                        "\(before.quantity) of the original's \(invoiced) are credited already; at most \(remaining) remain"
                    )
                )
            }
            // The last of the quantity takes exactly what is left of the line's net, whatever earlier roundings did.
            let isRest = !(creditedNow < invoiced) && !before.byAmount
            guard isRest || net <= netLeft else {
                return refused(
                    FieldError(
                        "\(field).quantity",
                        "\(quantity) × the unit price is more than the \(Money(minorUnits: netLeft, currency)) that "
                            + "remain of the line"
                    )
                )
            }
            return .success(.init(lineIndex: choice.lineIndex, quantity: quantity, net: isRest ? netLeft : net))
        case (nil, .some(let amount)):
            guard amount.currency == currency else {
                return refused(FieldError("\(field).amount.currency", "must be \(currency.code), the original's"))
            }
            guard line.net.amount > 0 else {
                return refused(FieldError("\(field).amount", "only a line above zero can be credited by amount"))
            }
            guard amount.amount > 0, amount.amount <= netLeft else {
                return refused(
                    FieldError(
                        "\(field).amount",
                        "must be above zero and at most the \(Money(minorUnits: max(netLeft, 0), currency)) that "
                            + "remain of the line, excluding VAT"
                    )
                )
            }
            return .success(.init(lineIndex: choice.lineIndex, quantity: nil, net: amount.amount))
        case (nil, nil):
            // Once part of a line is credited by amount, only its net says what is left.
            if before.byAmount {
                return .success(
                    netLeft == 0 ? nil : .init(lineIndex: choice.lineIndex, quantity: nil, net: netLeft)
                )
            }
            guard let quantityLeft = invoiced.adding(before.quantity.negated), !quantityLeft.isZero || netLeft != 0
            else { return .success(nil) }
            return .success(.init(lineIndex: choice.lineIndex, quantity: quantityLeft, net: netLeft))
        }
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
