/// The bound on amounts (integer minor units) that come from outside — a message, a bank file, an operator — and on
/// the running totals a service keeps of them, with checked arithmetic that stays within it.
///
/// A forged or corrupt message can carry any `Int64`. A service refuses an amount beyond ``bound`` (a rejection, a
/// refused file, or a dead letter with the reason) and keeps every running total (paid, credited, fees) within it, so
/// that a balance of up to nine such values, added or subtracted, always fits in `Int64` and computing it never
/// traps.
public enum MinorUnits {
    /// 10¹⁸ minor units (10¹⁶ kronor): every amount a BgMax file can state (18 digits) fits, and nine of them sum to
    /// less than `Int64.max`.
    public static let bound: Int64 = 1_000_000_000_000_000_000

    /// Whether `amount` lies within ±``bound``.
    public static func isWithinBound(_ amount: Int64) -> Bool { amount.magnitude <= UInt64(bound) }

    /// `lhs + rhs`, or `nil` when it overflows or leaves ±``bound``.
    public static func sum(_ lhs: Int64, _ rhs: Int64) -> Int64? {
        let (result, overflow) = lhs.addingReportingOverflow(rhs)
        return !overflow && isWithinBound(result) ? result : nil
    }

    /// `lhs − rhs`, or `nil` when it overflows or leaves ±``bound``.
    public static func difference(_ lhs: Int64, _ rhs: Int64) -> Int64? {
        let (result, overflow) = lhs.subtractingReportingOverflow(rhs)
        return !overflow && isWithinBound(result) ? result : nil
    }

    /// The sum of `amounts`, or `nil` when a partial sum overflows or leaves ±``bound``.
    public static func total(_ amounts: some Sequence<Int64>) -> Int64? {
        var total: Int64 = 0
        for amount in amounts {
            guard let next = sum(total, amount) else { return nil }
            total = next
        }
        return total
    }
}
