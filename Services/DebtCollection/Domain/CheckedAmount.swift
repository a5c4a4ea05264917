/// Overflow-checked arithmetic on minor units that came from outside (invoices, payments, credits, fees).
///
/// Every amount a case holds arrived in a message; a forged or corrupt one can be anywhere in `Int64`, so sums and
/// differences are checked and an overflow becomes ``DebtCollectionError/amountOverflow(_:)`` naming what was being
/// computed, never a trap.
enum CheckedAmount {
    /// `lhs + rhs`, or an error naming `what` on overflow.
    static func add(_ lhs: Int64, _ rhs: Int64, _ what: @autoclosure () -> String) throws(DebtCollectionError)
        -> Int64
    {
        let (sum, overflow) = lhs.addingReportingOverflow(rhs)
        guard !overflow else { throw .amountOverflow(what()) }
        return sum
    }

    /// `lhs − rhs`, or an error naming `what` on overflow.
    static func subtract(_ lhs: Int64, _ rhs: Int64, _ what: @autoclosure () -> String) throws(DebtCollectionError)
        -> Int64
    {
        let (difference, overflow) = lhs.subtractingReportingOverflow(rhs)
        guard !overflow else { throw .amountOverflow(what()) }
        return difference
    }

    /// The sum of `amounts`, or an error naming `what` on overflow.
    static func sum(_ amounts: some Sequence<Int64>, _ what: @autoclosure () -> String) throws(DebtCollectionError)
        -> Int64
    {
        var total: Int64 = 0
        for amount in amounts {
            let (next, overflow) = total.addingReportingOverflow(amount)
            guard !overflow else { throw .amountOverflow(what()) }
            total = next
        }
        return total
    }
}
