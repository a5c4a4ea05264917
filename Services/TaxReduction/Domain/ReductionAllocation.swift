import KvittContracts

/// Splits an invoice's ROT/RUT reduction between its buyers, within each buyer's annual cap.
///
/// The reduction is the rate × labour cost including VAT, rounded down to whole kronor (the claim file takes whole
/// kronor, and rounding down never asks for more than the law allows). It is split evenly between the buyers in whole
/// kronor, the remainder going to the first buyers in the order given, so the parts always sum to the total; the
/// labour cost and the reported hours are split the same way. A share above what is left of a buyer's cap is cut to
/// it, with a warning.
enum ReductionAllocation {
    struct Buyer: Sendable, Equatable {
        let personnummer: Personnummer
        /// What the buyer already has allocated this year, ROT and RUT together, and ROT alone (öre).
        let usedTotal: Int64
        let usedROT: Int64
    }

    struct Share: Sendable, Equatable {
        let personnummer: Personnummer
        /// Whole kronor, in öre.
        let amount: Int64
        let hours: Int
        /// This buyer's part of the labour cost including VAT (öre).
        let labour: Int64
        let capWarning: String?
    }

    static func allocate(kind: ClaimKind, labour: Int64, percent: Int, hours: Int, buyers: [Buyer], year: Int)
        -> [Share]
    {
        guard !buyers.isEmpty else { return [] }
        let totalKronor = labour * Int64(percent) / 100 / 100
        let kronorShares = split(totalKronor, into: buyers.count)
        let labourShares = split(labour, into: buyers.count)
        let hourShares = split(Int64(hours), into: buyers.count)
        return buyers.indices.map { index in
            let buyer = buyers[index]
            var amount = kronorShares[index] * 100
            var warning: String?
            let left = min(
                ReductionRates.totalCap - buyer.usedTotal,
                kind == .rot ? ReductionRates.rotCap - buyer.usedROT : .max
            )
            if amount > left {
                amount = max(0, left / 100 * 100)
                let cap = kind == .rot ? "50 000 kr for ROT (75 000 kr with RUT)" : "75 000 kr for ROT and RUT"
                warning =
                    "capped at \(Money(minorUnits: amount, .sek)): the annual cap of \(cap) for \(year) is reached "
                    + "for buyer \(buyer.personnummer.masked)"
            }
            return Share(
                personnummer: buyer.personnummer,
                amount: amount,
                hours: Int(hourShares[index]),
                labour: labourShares[index],
                capWarning: warning
            )
        }
    }

    /// `amount` (öre, whole kronor) split in proportion to `weights`, in whole kronor, each part at most its
    /// weight: largest remainders first, ties to the earlier. Parts sum to `amount` when the weights allow it.
    static func proportionalKronor(_ amount: Int64, of weights: [Int64]) -> [Int64] {
        proportional(amount / 100, of: weights.map { $0 / 100 }).map { $0 * 100 }
    }

    /// `amount` split in proportion to `weights` in whole units, each part at most its weight: largest remainders
    /// first, ties to the earlier.
    static func proportional(_ amount: Int64, of weights: [Int64]) -> [Int64] {
        let total = weights.reduce(0, +)
        guard total > 0, amount > 0 else { return weights.map { _ in 0 } }
        let wanted = min(amount, total)
        var parts = weights.map { total.dividingFullWidth($0.multipliedFullWidth(by: wanted)) }
        var left = wanted - parts.reduce(0) { $0 + $1.quotient }
        let order = parts.indices.sorted { parts[$0].remainder > parts[$1].remainder }
        var result = parts.map(\.quotient)
        for index in order where left > 0 && result[index] < weights[index] {
            result[index] += 1
            left -= 1
        }
        parts = []
        return result
    }

    /// Even parts that sum exactly, the first ones one unit larger.
    static func split(_ total: Int64, into parts: Int) -> [Int64] {
        (try? Money(minorUnits: total, .sek).split(into: parts).map(\.amount)) ?? Array(repeating: 0, count: parts)
    }
}
