import KvittContracts
import KvittMessaging

/// Why an amount in another service's event cannot be applied to an invoice: the reason code of its dead letter.
///
/// Payment-matching, debt-collection and tax-reduction only send amounts in the invoice's currency, within what the
/// invoice could ever owe; anything else is a faulty or forged event. It is parked with the reason rather than
/// applied (a wrong currency would misstate the balance) or summed into a total that overflows.
enum FaultyEventAmount: String {
    /// The amount is in another currency than the invoice.
    case currencyMismatch = "currency-mismatch"
    /// The amount is beyond what any invoice holds, or has the wrong sign, or a running total would leave
    /// ±``MinorUnits/bound``.
    case amountOutOfRange = "amount-out-of-range"
    /// The event's amounts do not add up (fees and interest against their total, buyers against the reduction).
    case inconsistentAmounts = "inconsistent-amounts"

    func failure(_ detail: String) -> PermanentFailure {
        PermanentFailure(reason: rawValue, detail: detail)
    }
}

extension InvoiceRecord {
    /// An amount from another service's event about this invoice, in minor units: in the invoice's currency, within
    /// `allowed`.
    /// - Parameter what: the event and field, for the dead letter (`payment matched amount`).
    func eventAmount(_ money: Money, _ what: String, allowed: ClosedRange<Int64> = -MinorUnits.bound...MinorUnits.bound)
        throws(PermanentFailure) -> Int64
    {
        guard money.currency.code == currency else {
            throw FaultyEventAmount.currencyMismatch.failure(
                "\(what) is in \(money.currency.code), invoice \(id) in \(currency)"
            )
        }
        guard allowed.contains(money.amount) else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "\(what) of \(money.amount) minor units is outside \(allowed.lowerBound)…\(allowed.upperBound) "
                    + "for invoice \(id)"
            )
        }
        return money.amount
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
