import KvittContracts
import KvittMessaging

/// Why an amount in another service's event cannot be applied to a receivable: the reason code of its dead letter.
///
/// Invoicing and debt-collection only send amounts in the invoice's currency, within what an invoice could ever owe;
/// anything else is a faulty or forged event, parked with the reason rather than applied (a wrong currency would
/// misstate the balance) or summed into a total that overflows.
enum FaultyEventAmount: String {
    /// The amount is in another currency than the receivable.
    case currencyMismatch = "currency-mismatch"
    /// The amount is beyond what any invoice holds, or has the wrong sign, or a running total would leave
    /// ±``MinorUnits/bound``.
    case amountOutOfRange = "amount-out-of-range"

    func failure(_ detail: String) -> PermanentFailure {
        PermanentFailure(reason: rawValue, detail: detail)
    }
}

extension ReceivableRecord {
    /// An amount from another service's event about this receivable, in minor units: in its currency, within
    /// `allowed`.
    /// - Parameter what: the event and field, for the dead letter.
    func eventAmount(_ money: Money, _ what: String, allowed: ClosedRange<Int64>) throws(PermanentFailure) -> Int64 {
        guard money.currency.code == currency else {
            throw FaultyEventAmount.currencyMismatch.failure(
                "\(what) is in \(money.currency.code), invoice \(invoiceID) in \(currency)"
            )
        }
        guard allowed.contains(money.amount) else {
            throw FaultyEventAmount.amountOutOfRange.failure(
                "\(what) of \(money.amount) minor units is outside \(allowed.lowerBound)…\(allowed.upperBound) "
                    + "for invoice \(invoiceID)"
            )
        }
        return money.amount
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
