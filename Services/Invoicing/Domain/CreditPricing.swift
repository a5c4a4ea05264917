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

    /// The credit invoice's lines and totals (negative) for `pieces` of `original`'s lines after `history`.
    static func price(
        _ pieces: [Piece],
        of original: [PricedLine],
        after history: CreditHistory,
        currency: Currency
    ) -> Priced {
        var lines: [PricedLine] = []
        var credited: [CreateCreditInvoice.CreditedLine] = []
        var lineHistory = history.lines
        var bases: [Int: Int64] = [:]
        for piece in pieces {
            let originalLine = original[piece.lineIndex]
            var line = originalLine.line
            let before = lineHistory[piece.lineIndex] ?? CreditHistory.Line()
            // Every amount here is within the original's (below 10¹⁴ each), so none of this overflows.
            let netSoFar = before.net + piece.net
            let vatSoFar = DecimalQuantity.divideRounded(netSoFar * Int64(line.vatRate), by: 100)
            let vat = vatSoFar - before.vat
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
            bases[line.vatRate, default: 0] += piece.net
        }
        let creditTotals = Self.totals(creditingBases: bases, after: history, currency: currency)
        return Priced(lines: lines, totals: creditTotals, credited: credited)
    }

    /// The credit's totals (negative) when it credits `bases` per VAT rate after `history`.
    static func totals(creditingBases bases: [Int: Int64], after history: CreditHistory, currency: Currency)
        -> InvoiceTotals
    {
        var vat: [InvoiceTotals.VATAmount] = []
        var grossSoFar: Int64 = 0
        for rate in Set(bases.keys).union(history.bases.keys).sorted(by: >) {
            let baseBefore = history.bases[rate] ?? 0
            let baseSoFar = baseBefore + (bases[rate] ?? 0)
            let vatSoFar = DecimalQuantity.divideRounded(baseSoFar * Int64(rate), by: 100)
            grossSoFar += baseSoFar + vatSoFar
            if let base = bases[rate] {
                vat.append(
                    .init(
                        rate: rate,
                        base: Money(minorUnits: -base, currency),
                        amount: Money(minorUnits: -(vatSoFar - (history.vat[rate] ?? 0)), currency)
                    )
                )
            }
        }
        let totalSoFar = currency == .sek ? InvoicePricing.roundedToWholeKronor(grossSoFar) : grossSoFar
        let total = totalSoFar - history.total
        let net = bases.values.reduce(0, +)
        let vatTotal = vat.reduce(Int64(0)) { $0 - $1.amount.amount }
        return InvoiceTotals(
            net: Money(minorUnits: -net, currency),
            vat: vat,
            rounding: Money(minorUnits: -(total - net - vatTotal), currency),
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
        let remaining = original.indices.map { index in
            (index, original[index].net.amount - (history.lines[index]?.net ?? 0))
        }.filter { $0.1 > 0 }
        guard !remaining.isEmpty else { return nil }
        let remainingNet = remaining.reduce(Int64(0)) { $0 + $1.1 }
        let originalGross = original.reduce(Int64(0)) { $0 + $1.net.amount + $1.vat.amount }
        let creditedGross = history.bases.values.reduce(0, +) + history.vat.values.reduce(0, +)
        let remainingVAT = max(0, originalGross - creditedGross - remainingNet)
        func spread(_ net: Int64) -> [Piece]? {
            guard
                let parts = try? Money(minorUnits: net, currency).allocate(weights: remaining.map { $0.1 })
            else { return nil }
            return zip(remaining, parts).filter { $0.1.amount > 0 }.map {
                Piece(lineIndex: $0.0.0, quantity: nil, net: $0.1.amount)
            }
        }
        func total(of pieces: [Piece]) -> Int64 {
            var bases: [Int: Int64] = [:]
            for piece in pieces { bases[original[piece.lineIndex].line.vatRate, default: 0] += piece.net }
            return -totals(creditingBases: bases, after: history, currency: currency).total.amount
        }
        // A first guess in proportion to what remains, then corrected by what the VAT and rounding made of it.
        guard
            var net = try? Money(minorUnits: amount, currency).allocate(weights: [remainingNet, remainingVAT])[0]
                .amount
        else { return nil }
        for _ in 0..<8 {
            net = min(max(net, 1), remainingNet - 1)
            guard let pieces = spread(net) else { return nil }
            let reached = total(of: pieces)
            if reached == amount { return pieces }
            let shortBy = amount - reached
            guard
                let step = try? Money(minorUnits: shortBy, currency).allocate(weights: [remainingNet, remainingVAT])[0]
                    .amount
            else { return nil }
            net += step == 0 ? shortBy.signum() : step
        }
        return nil
    }
}
