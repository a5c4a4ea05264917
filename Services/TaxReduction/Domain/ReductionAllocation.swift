import KvittContracts

/// Splits an invoice's ROT/RUT reduction between its buyers, within each buyer's annual cap.
///
/// The labour cost including VAT (in whole kronor, the öre to the first buyer) and the reported hours are split evenly
/// between the buyers, the remainder going to the first buyers in the order given. Each buyer's reduction is the rate × that buyer's labour, rounded down to
/// whole kronor: the claim file takes whole kronor, and Skatteverket checks each buyer's claim against that buyer's
/// own labour (Begärt ≤ Betalt), which splitting a rounded total could break by a krona. A share above what is left
/// of a buyer's cap is cut to it, with a warning.
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

    /// The largest labour cost including VAT a request may carry (öre): the most a claim file states,
    /// 99 999 999 999 kronor. The reduction of it at any rate fits in 64 bits with room to spare.
    static let maximumLabour: Int64 = 9_999_999_999_900

    /// - Parameter labour: 0…``maximumLabour``.
    static func allocate(kind: ClaimKind, labour: Int64, percent: Int, hours: Int, buyers: [Buyer], year: Int)
        -> [Share]
    {
        guard !buyers.isEmpty else { return [] }
        // Whole kronor per buyer, so that the claim files' PrisForArbete add up to the invoice's labour.
        let labourShares = ClaimSplit.kronorParts(labour, into: buyers.count)
        let hourShares = split(Int64(hours), into: buyers.count)
        return buyers.indices.map { index in
            let buyer = buyers[index]
            // Within ``maximumLabour`` this cannot overflow; beyond it the share is held to the cap below.
            let (rated, overflow) = labourShares[index].multipliedReportingOverflow(by: Int64(percent))
            var amount = overflow ? Int64.max : rated / 100 / 100 * 100
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

    /// Even parts that sum exactly, the first ones one unit larger.
    static func split(_ total: Int64, into parts: Int) -> [Int64] {
        (try? Money(minorUnits: total, .sek).split(into: parts).map(\.amount)) ?? Array(repeating: 0, count: parts)
    }
}
