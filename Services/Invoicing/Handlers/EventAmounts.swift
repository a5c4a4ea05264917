import KvittContracts
import KvittMessaging

extension InvoiceRecord {
    /// An amount from another service's event about this invoice, in minor units: in the invoice's currency, within
    /// `allowed`.
    /// - Parameter what: the event and field, for the dead letter (`payment matched amount`).
    func eventAmount(_ money: Money, _ what: String, allowed: ClosedRange<Int64> = -MinorUnits.bound...MinorUnits.bound)
        throws(PermanentFailure) -> Int64
    {
        try FaultyEventAmount.checked(money, what, currency: currency, allowed: allowed, owner: "invoice \(id)")
    }

    /// `total + delta`, kept within ±``MinorUnits/bound`` so that the balance (five such totals) never overflows.
    static func accumulate(_ total: Int64, _ delta: Int64, _ what: String) throws(PermanentFailure) -> Int64 {
        guard let sum = MinorUnits.sum(total, delta) else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "\(what): \(total) + \(delta) minor units leaves ±\(MinorUnits.bound)"
            )
        }
        return sum
    }
}
