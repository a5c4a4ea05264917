import KvittContracts

/// One buyer's part of an invoice's ROT/RUT reduction, as invoicing keeps it (`InvoiceRecord.reductionBuyers`).
///
/// What stands is worked out from what was allocated, not from what stood before, so that rounding to whole
/// kronor does not build up over several credits.
struct BuyerReduction: Codable, Sendable, Equatable {
    /// The canonical 12-digit personnummer, as tax-reduction names the claim.
    var personnummer: String
    /// What tax-reduction allocated (öre, whole kronor) on `allocatedLabour`.
    var allocatedReduction: Int64
    var allocatedLabour: Int64
    /// What stands after credits, and after Skatteverket approved less (the buyer was billed the rest).
    var reduction: Int64
    var labour: Int64

    init(personnummer: String, reduction: Int64, labour: Int64) {
        self.personnummer = personnummer
        allocatedReduction = reduction
        allocatedLabour = labour
        self.reduction = reduction
        self.labour = labour
    }

    /// What stands when `newLabour` of the labour is left: the allocated proportion of it, rounded down to whole
    /// kronor, and never rising (so never above what Skatteverket approved).
    func standing(withLabour newLabour: Int64) -> Int64 {
        guard allocatedLabour > 0 else { return 0 }
        // Labour only ever goes down from what was allocated; held to 0…allocated, the quotient is at most the
        // allocated reduction in magnitude, so the 128-bit division cannot overflow.
        let labourLeft = min(max(newLabour, 0), allocatedLabour)
        let kept =
            allocatedLabour.dividingFullWidth(allocatedReduction.multipliedFullWidth(by: labourLeft)).quotient / 100
            * 100
        return min(kept, reduction)
    }

    func standing(in currency: Currency) -> InvoiceCredited.StandingReduction {
        .init(
            personnummer: personnummer,
            reduction: Money(minorUnits: reduction, currency),
            labour: Money(minorUnits: labour, currency)
        )
    }
}
