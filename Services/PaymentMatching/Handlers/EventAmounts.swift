import KvittContracts
import KvittMessaging

extension ReceivableRecord {
    /// An amount from another service's event about this receivable, in minor units: in its currency, within
    /// `allowed`.
    /// - Parameter what: the event and field, for the dead letter.
    func eventAmount(_ money: Money, _ what: String, allowed: ClosedRange<Int64>) throws(PermanentFailure) -> Int64 {
        try FaultyEventAmount.checked(money, what, currency: currency, allowed: allowed, owner: "invoice \(invoiceID)")
    }

    /// The adjustments with `delta` added, kept within ±``MinorUnits/bound`` so that the balance never overflows.
    func adjusted(by delta: Int64, _ what: String) throws(PermanentFailure) -> Int64 {
        guard let sum = MinorUnits.sum(adjustments, delta) else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "\(what) on invoice \(invoiceID): adjustments \(adjustments) + \(delta) minor units leave "
                    + "±\(MinorUnits.bound)"
            )
        }
        return sum
    }
}
