import KvittContracts

/// What an original invoice's credit invoices (drafts included) have credited so far, in the original's signs:
/// crediting a whole line of 100 kr is +100 kr here.
struct CreditHistory: Equatable {
    /// What is credited of one original line.
    struct Line: Equatable {
        /// The quantity credited by quantity (and by "what remains" of a line never credited by amount).
        var quantity = DecimalQuantity(units: 0, scale: 0)
        /// The net credited, excluding VAT.
        var net: Int64 = 0
        /// The line VAT credited (what ROT/RUT labour including VAT is counted from).
        var vat: Int64 = 0
        /// Whether some of it was credited by amount, after which only amounts say what remains.
        var byAmount = false
    }

    var lines: [Int: Line] = [:]
    /// The VAT base credited per rate.
    var bases: [Int: Int64] = [:]
    /// The VAT credited per rate.
    var vat: [Int: Int64] = [:]
    /// The credited totals, öresavrundning included.
    var total: Int64 = 0

    /// Adds one earlier credit invoice: its created event and which original line each of its lines credits.
    mutating func add(_ credit: InvoiceCreated, creditedLines: [CreateCreditInvoice.CreditedLine]?) -> Bool {
        if let creditedLines {
            guard creditedLines.count == credit.lines.count else { return false }
            for (choice, line) in zip(creditedLines, credit.lines) {
                var entry = lines[choice.lineIndex] ?? Line()
                guard let net = MinorUnits.sum(entry.net, -line.net.amount),
                    let vat = MinorUnits.sum(entry.vat, -line.vat.amount)
                else { return false }
                entry.net = net
                entry.vat = vat
                if let quantity = choice.quantity {
                    guard let sum = entry.quantity.adding(quantity) else { return false }
                    entry.quantity = sum
                } else {
                    entry.byAmount = true
                }
                lines[choice.lineIndex] = entry
            }
        }
        for rate in credit.totals.vat {
            guard let base = MinorUnits.sum(bases[rate.rate] ?? 0, -rate.base.amount),
                let amount = MinorUnits.sum(vat[rate.rate] ?? 0, -rate.amount.amount)
            else { return false }
            bases[rate.rate] = base
            vat[rate.rate] = amount
        }
        guard let total = MinorUnits.sum(total, -credit.totals.total.amount) else { return false }
        self.total = total
        return true
    }
}

/// Prices a credit invoice against its original so that rounding never accumulates.
///
/// Each line's VAT, each rate's VAT and the öresavrundning are computed on the cumulative credited amounts (this
/// credit plus every earlier one) and the credit takes the difference to what the earlier credits already came to.
/// Crediting all that remains therefore brings every line, every rate and the total to exactly the original's, and a
/// credit by total amount comes to exactly that amount.
enum CreditPricing {
    /// One original line and how much of it this credit takes, in the original's sign.
    struct Piece: Equatable {
        var lineIndex: Int
        /// Set when credited by quantity; `nil` when by amount.
        var quantity: DecimalQuantity?
        /// The net excluding VAT.
        var net: Int64
    }

    struct Priced: Equatable {
        var lines: [PricedLine]
        var totals: InvoiceTotals
        /// What to store of each line, for the next credit's history.
        var credited: [CreateCreditInvoice.CreditedLine]
    }

    /// The refusal of a credit whose lines, summed per VAT rate with what earlier credits took, leave the largest
    /// invoice amount: possible only when the original's lines are far above and below zero and a credit takes one
    /// side of them.
    static func beyondLargestAmount(_ currency: Currency) -> FieldErrors {
        FieldErrors([
            FieldError(
                "lines",
                "the credited lines sum to more than the largest invoice amount, "
                    + "\(Money(minorUnits: InvoicePricing.maximumAmount, currency)), at a VAT rate"
            )
        ])
    }

    /// `value` when it is within ±``InvoicePricing/maximumAmount``, else the refusal.
    private static func bounded(_ value: Int64?, _ currency: Currency) throws(FieldErrors) -> Int64 {
        guard let value, value.magnitude <= InvoicePricing.maximumAmount else { throw beyondLargestAmount(currency) }
        return value
    }

    /// `value`, or the refusal when a checked operation that gave it overflowed or left ±``MinorUnits/bound``.
    private static func checked(_ value: Int64?, _ currency: Currency) throws(FieldErrors) -> Int64 {
        guard let value else { throw beyondLargestAmount(currency) }
        return value
    }

    /// The credit invoice's lines and totals (negative) for `pieces` of `original`'s lines after `history`, or the
    /// `lines` refusal when a cumulative line, VAT base or total leaves the largest invoice amount.
    ///
    /// Each piece is within its original line, but the original's lines may be as far as ±10¹⁴ each and thousands
    /// of them: summed across lines, a credit of one side of them reaches far beyond any `Int64`. So every sum
    /// across lines is checked, and each cumulative base is held within ``InvoicePricing/maximumAmount``, which
    /// keeps its VAT (base × rate) and the totals from overflowing.
    static func price(
        _ pieces: [Piece],
        of original: [PricedLine],
        after history: CreditHistory,
        currency: Currency
    ) throws(FieldErrors) -> Priced {
        var lines: [PricedLine] = []
        var credited: [CreateCreditInvoice.CreditedLine] = []
        var lineHistory = history.lines
        var bases: [Int: Int64] = [:]
        for piece in pieces {
            let originalLine = original[piece.lineIndex]
            var line = originalLine.line
            let before = lineHistory[piece.lineIndex] ?? CreditHistory.Line()
            let netSoFar = try bounded(MinorUnits.sum(before.net, piece.net), currency)
            // Within ±10¹⁴ × 25: no overflow.
            let vatSoFar = DecimalQuantity.divideRounded(netSoFar * Int64(line.vatRate), by: 100)
            let vat = try checked(MinorUnits.difference(vatSoFar, before.vat), currency)
            if let quantity = piece.quantity {
                line.quantity = quantity.negated
                credited.append(.init(lineIndex: piece.lineIndex, quantity: quantity))
            } else {
                // Credited by amount: one unit of the amount, so the document reads −1 × the amount.
                line.quantity = DecimalQuantity(units: -1, scale: 0)
                line.unit = nil
                line.unitPrice = piece.net
                credited.append(
                    .init(lineIndex: piece.lineIndex, amount: Money(minorUnits: piece.net, currency))
                )
            }
            lines.append(
                PricedLine(
                    line: line,
                    net: Money(minorUnits: -piece.net, currency),
                    vat: Money(minorUnits: -vat, currency)
                )
            )
            var entry = before
            entry.net = netSoFar
            entry.vat = vatSoFar
            lineHistory[piece.lineIndex] = entry
            bases[line.vatRate] = try checked(MinorUnits.sum(bases[line.vatRate] ?? 0, piece.net), currency)
        }
        let creditTotals = try Self.totals(creditingBases: bases, after: history, currency: currency)
        return Priced(lines: lines, totals: creditTotals, credited: credited)
    }

    /// The credit's totals (negative) when it credits `bases` per VAT rate after `history`, or the `lines` refusal
    /// when a rate's cumulative base leaves ±``InvoicePricing/maximumAmount``.
    static func totals(
        creditingBases bases: [Int: Int64],
        after history: CreditHistory,
        currency: Currency
    ) throws(FieldErrors) -> InvoiceTotals {
        var vat: [InvoiceTotals.VATAmount] = []
        var grossSoFar: Int64 = 0
        for rate in Set(bases.keys).union(history.bases.keys).sorted(by: >) {
            let baseBefore = history.bases[rate] ?? 0
            let baseSoFar = try bounded(MinorUnits.sum(baseBefore, bases[rate] ?? 0), currency)
            // Within ±10¹⁴ × 25: no overflow.
            let vatSoFar = DecimalQuantity.divideRounded(baseSoFar * Int64(rate), by: 100)
            grossSoFar = try checked(MinorUnits.total([grossSoFar, baseSoFar, vatSoFar]), currency)
            if let base = bases[rate] {
                let vatNow = try checked(MinorUnits.difference(vatSoFar, history.vat[rate] ?? 0), currency)
                vat.append(
                    .init(
                        rate: rate,
                        base: Money(minorUnits: -base, currency),
                        amount: Money(minorUnits: -vatNow, currency)
                    )
                )
            }
        }
        let totalSoFar = currency == .sek ? InvoicePricing.roundedToWholeKronor(grossSoFar) : grossSoFar
        let total = try checked(MinorUnits.difference(totalSoFar, history.total), currency)
        let net = try checked(MinorUnits.total(bases.values), currency)
        let vatTotal = try checked(MinorUnits.total(vat.map { -$0.amount.amount }), currency)
        let rounding = try checked(
            MinorUnits.difference(total, net).flatMap { MinorUnits.difference($0, vatTotal) },
            currency
        )
        return InvoiceTotals(
            net: Money(minorUnits: -net, currency),
            vat: vat,
            rounding: Money(minorUnits: -rounding, currency),
            total: Money(minorUnits: -total, currency)
        )
    }

    /// The pieces that credit `amount` (VAT and rounding included) of what remains of `original`, spread over the
    /// lines in proportion to what remains of each, so that the credit's total is exactly `amount`; `nil` when no
    /// spread reaches it exactly (possible only without öresavrundning, where one öre of net can move the VAT by
    /// two). `amount` is above zero and below what remains of the original's total; every line's net is positive.
    static func pieces(
        crediting amount: Int64,
        of original: [PricedLine],
        after history: CreditHistory,
        currency: Currency
    ) -> [Piece]? {
        // Sums across lines and rates are checked: there can be thousands of lines, each up to ±10¹⁴.
        var remaining: [(Int, Int64)] = []
        for index in original.indices {
            guard let left = MinorUnits.difference(original[index].net.amount, history.lines[index]?.net ?? 0)
            else { return nil }
            if left > 0 { remaining.append((index, left)) }
        }
        guard !remaining.isEmpty,
            let remainingNet = MinorUnits.total(remaining.map(\.1)),
            let originalGross = MinorUnits.total(original.flatMap { [$0.net.amount, $0.vat.amount] }),
            let creditedGross = MinorUnits.total(Array(history.bases.values) + Array(history.vat.values)),
            let uncredited = MinorUnits.difference(originalGross, creditedGross),
            let uncreditedVAT = MinorUnits.difference(uncredited, remainingNet)
        else { return nil }
        let remainingVAT = max(0, uncreditedVAT)
        func spread(_ net: Int64) -> [Piece]? {
            guard
                let parts = try? Money(minorUnits: net, currency).allocate(weights: remaining.map { $0.1 })
            else { return nil }
            return zip(remaining, parts).filter { $0.1.amount > 0 }.map {
                Piece(lineIndex: $0.0.0, quantity: nil, net: $0.1.amount)
            }
        }
        func total(of pieces: [Piece]) -> Int64? {
            var bases: [Int: Int64] = [:]
            for piece in pieces {
                let rate = original[piece.lineIndex].line.vatRate
                guard let base = MinorUnits.sum(bases[rate] ?? 0, piece.net) else { return nil }
                bases[rate] = base
            }
            return try? -totals(creditingBases: bases, after: history, currency: currency).total.amount
        }
        // A first guess in proportion to what remains, then corrected by what the VAT and rounding made of it.
        guard
            var net = try? Money(minorUnits: amount, currency).allocate(weights: [remainingNet, remainingVAT])[0]
                .amount
        else { return nil }
        for _ in 0..<8 {
            net = min(max(net, 1), remainingNet - 1)
            guard let pieces = spread(net), let reached = total(of: pieces) else { return nil }
            if reached == amount { return pieces }
            guard let shortBy = MinorUnits.difference(amount, reached) else { return nil }
            guard
                let step = try? Money(minorUnits: shortBy, currency).allocate(weights: [remainingNet, remainingVAT])[0]
                    .amount
            else { return nil }
            guard let corrected = MinorUnits.sum(net, step == 0 ? shortBy.signum() : step) else { return nil }
            net = corrected
        }
        return nil
    }
}
