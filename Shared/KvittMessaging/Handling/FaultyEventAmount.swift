import KvittContracts

/// Why an amount in another service's event cannot be applied: the reason code of its dead letter.
///
/// Kvitt's services only send amounts in the invoice's currency, within what an invoice could ever owe; anything else
/// is a faulty or forged event, parked with the reason rather than applied (a wrong currency would misstate a balance)
/// or summed into a total that overflows.
public enum FaultyEventAmount: String, Sendable {
    /// The amount is in another currency than the invoice or receivable it is about.
    case currencyMismatch = "currency-mismatch"
    /// The amount is beyond what any invoice holds, or has the wrong sign, or a running total would leave
    /// ±``MinorUnits/bound``.
    case amountOutOfRange = "amount-out-of-range"
    /// The event's amounts do not add up (fees and interest against their total, buyers against the reduction).
    case inconsistentAmounts = "inconsistent-amounts"

    /// The permanent failure that parks the event with this reason.
    public func failure(_ detail: String) -> PermanentFailure {
        PermanentFailure(reason: rawValue, detail: detail)
    }

    /// An event's amount in minor units, checked to be in `currency` and within `allowed`.
    /// - Parameters:
    ///   - what: the event and field, for the dead letter (`payment matched amount`).
    ///   - owner: what the amount is about, for the dead letter (`invoice 42`).
    public static func checked(
        _ money: Money,
        _ what: String,
        currency: String,
        allowed: ClosedRange<Int64>,
        owner: String
    ) throws(PermanentFailure) -> Int64 {
        guard money.currency.code == currency else {
            throw currencyMismatch.failure("\(what) is in \(money.currency.code), \(owner) in \(currency)")
        }
        guard allowed.contains(money.amount) else {
            throw amountOutOfRange.failure(
                "\(what) of \(money.amount) minor units is outside \(allowed.lowerBound)…\(allowed.upperBound) for \(owner)"
            )
        }
        return money.amount
    }
}
