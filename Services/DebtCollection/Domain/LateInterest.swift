import KvittContracts

/// Dröjsmålsränta on a principal over a span of days, split at every change of the reference rate.
///
/// Rules (docs/domain.md §7.3):
/// - Rate: räntelagen 6 §, "den vid varje tid gällande referensräntan … med ett tillägg av åtta procentenheter", so
///   the reference rate of each half-year (``ReferenceRateTable``) plus ``statutoryMarginBasisPoints``, and the
///   span is cut wherever that rate can change (1 January and 1 July).
/// - Start: räntelagen 3 §, interest runs "från förfallodagen" when the due date was set in advance. The debtor may
///   still pay on the due date itself, so the first day that carries interest is the day after it and the number of
///   days is `through − dueDate`: ``calculate(principal:dueDate:through:table:marginBasisPoints:)``. The doc's
///   worked example counts the same way ("30 days late": 10 000 kr × 10 % × 30/365 = 82.19 kr). The 4 § case (no due
///   date set in advance: interest from one month after a demand) is the caller's: pass that first day to
///   ``calculate(principal:from:through:table:marginBasisPoints:)``.
/// - Day count: the sources do not state one; the doc calls actual/365 "common practice", and so it is here:
///   simple interest, each calendar day 1/365 of the annual rate, also in leap years. No compounding.
/// - Rounding: the exact amount of every period is kept as a fraction and the total is rounded once, to whole öre
///   half up, so the debtor is never charged more than half an öre of rounding however many half-years the claim
///   spans. The period amounts are then whole öre that sum exactly to the total: each period gets its floor and
///   the öre left over go to the periods with the largest remainders, ties to the earlier period (the
///   largest-remainder method of ``Money/allocate(weights:)``). Rounding each period on its own would let the lines
///   of a specification drift up to half an öre per half-year from the correctly rounded total.
struct LateInterest: Sendable, Equatable, Codable {
    /// A stretch of days at one annual rate, both ends inclusive.
    struct Period: Sendable, Equatable, Codable {
        /// The first day with interest at this rate.
        let from: CalendarDate
        /// The last day with interest at this rate.
        let through: CalendarDate
        /// Reference rate plus the margin, in basis points (1000 = 10.00 %).
        let annualRateBasisPoints: Int
        /// The number of days, `from` through `through`.
        let days: Int
        /// The interest for the period, in whole minor units.
        let amount: Money
    }

    /// Räntelagen 6 §: eight percentage points above the reference rate.
    static let statutoryMarginBasisPoints = 800
    /// Days per year in the actual/365 convention.
    static let daysPerYear: Int64 = 365

    /// The amount the interest runs on.
    let principal: Money
    /// The first day that carries interest.
    let from: CalendarDate
    /// The last day that carries interest.
    let through: CalendarDate
    /// The total interest, rounded to whole minor units half up.
    let amount: Money
    /// The interest per rate period, in date order; empty when there are no days.
    let periods: [Period]

    /// The interest on `principal` for a due date set in advance: from the day after `dueDate` through `through`.
    /// Zero (no periods) when `through` is on or before the due date.
    static func calculate(
        principal: Money,
        dueDate: CalendarDate,
        through: CalendarDate,
        table: ReferenceRateTable,
        marginBasisPoints: Int = statutoryMarginBasisPoints
    ) throws(DebtCollectionError) -> LateInterest {
        try calculate(
            principal: principal,
            from: dueDate.adding(days: 1),
            through: through,
            table: table,
            marginBasisPoints: marginBasisPoints
        )
    }

    /// The interest on `principal` for every day `from` through `through` (inclusive); zero with no periods when
    /// `through` is before `from`.
    ///
    /// Throws ``DebtCollectionError/noReferenceRate(on:)`` when the table does not cover a day,
    /// ``DebtCollectionError/negativePrincipal(_:)`` for a negative principal, and
    /// ``DebtCollectionError/amountOverflow(_:)`` when principal × rate × days does not fit in 64 bits (at 10 % over a
    /// year, a principal above about 250 billion kronor).
    static func calculate(
        principal: Money,
        from: CalendarDate,
        through: CalendarDate,
        table: ReferenceRateTable,
        marginBasisPoints: Int = statutoryMarginBasisPoints
    ) throws(DebtCollectionError) -> LateInterest {
        guard !principal.isNegative else { throw .negativePrincipal(principal) }
        let ratePeriods = try table.periods(from: from, through: through)
        // Exact interest of a period in minor units = principal × rate (bp) × days / (10 000 × 365).
        let denominator = 10_000 * daysPerYear
        var numerators: [Int64] = []
        var rates: [Int] = []
        var sum: Int64 = 0
        for period in ratePeriods {
            let (rate, rateOverflow) = period.basisPoints.addingReportingOverflow(marginBasisPoints)
            guard !rateOverflow else { throw .amountOverflow("the annual rate from \(period.from)") }
            guard rate >= 0 else {
                throw .invalidRateTable("the annual rate from \(period.from) would be negative (\(rate) bp)")
            }
            let days = Int64(period.from.days(until: period.through) + 1)
            let (perDay, overflowRate) = principal.amount.multipliedReportingOverflow(by: Int64(rate))
            let (numerator, overflowDays) = perDay.multipliedReportingOverflow(by: days)
            let (newSum, overflowSum) = sum.addingReportingOverflow(numerator)
            guard !overflowRate, !overflowDays, !overflowSum else {
                throw .amountOverflow("the interest on \(principal) from \(from) through \(through)")
            }
            numerators.append(numerator)
            rates.append(rate)
            sum = newSum
        }
        let total = sum / denominator + (sum % denominator >= denominator / 2 ? 1 : 0)
        var shares = numerators.map { $0 / denominator }
        var leftover = total - shares.reduce(0, +)
        let byRemainder = numerators.indices.sorted {
            (numerators[$0] % denominator, -$0) > (numerators[$1] % denominator, -$1)
        }
        for index in byRemainder where leftover > 0 {
            shares[index] += 1
            leftover -= 1
        }
        let periods = ratePeriods.indices.map { index in
            let period = ratePeriods[index]
            return Period(
                from: period.from,
                through: period.through,
                annualRateBasisPoints: rates[index],
                days: period.from.days(until: period.through) + 1,
                amount: Money(minorUnits: shares[index], principal.currency)
            )
        }
        return LateInterest(
            principal: principal,
            from: from,
            through: through,
            amount: Money(minorUnits: total, principal.currency),
            periods: periods
        )
    }
}
