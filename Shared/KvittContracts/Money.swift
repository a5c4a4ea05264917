/// An amount of money: integer minor units (öre for SEK) and an ISO 4217 currency.
///
/// Never floating point. Arithmetic and comparison work only within one currency and throw
/// ``MoneyError/currencyMismatch(_:_:)`` otherwise. On the wire: `{"amount": 12500, "currency": "SEK"}`.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units.
    public let amount: Int64
    /// The currency.
    public let currency: Currency

    /// Creates an amount from minor units.
    public init(minorUnits amount: Int64, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    /// Zero in a currency.
    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency) }

    /// Whether the amount is zero.
    public var isZero: Bool { amount == 0 }
    /// Whether the amount is below zero.
    public var isNegative: Bool { amount < 0 }

    /// The sum of two amounts in the same currency.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = amount.addingReportingOverflow(other.amount)
        guard !overflow else { throw .overflow }
        return Money(minorUnits: sum, currency)
    }

    /// The difference of two amounts in the same currency.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = amount.subtractingReportingOverflow(other.amount)
        guard !overflow else { throw .overflow }
        return Money(minorUnits: difference, currency)
    }

    /// The amount with its sign reversed.
    public func negated() throws(MoneyError) -> Money {
        guard amount != .min else { throw .overflow }
        return Money(minorUnits: -amount, currency)
    }

    /// Orders two amounts in the same currency.
    public func compare(_ other: Money) throws(MoneyError) -> ComparisonResult {
        try requireSameCurrency(other)
        return amount < other.amount ? .ascending : (amount > other.amount ? .descending : .same)
    }

    /// The result of ``compare(_:)``.
    public enum ComparisonResult: Sendable { case ascending, same, descending }

    /// Splits the amount into `parts` amounts that sum exactly to it.
    ///
    /// The parts differ by at most one minor unit; the extra units go to the first parts, so the result is the
    /// same every time for the same input. Example: 100.00 SEK in 3 parts is 33.34, 33.33, 33.33.
    public func split(into parts: Int) throws(MoneyError) -> [Money] {
        guard parts > 0 else { throw .invalidSplit("parts must be positive, got \(parts)") }
        return try allocate(weights: Array(repeating: 1, count: parts))
    }

    /// Splits the amount in proportion to `weights`, so that the parts sum exactly to it.
    ///
    /// Each part gets the floor of its share; the units left over go one each to the parts with the largest
    /// fractional remainders, ties to the earlier part (largest-remainder method, deterministic).
    public func allocate(weights: [Int64]) throws(MoneyError) -> [Money] {
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 }) else {
            throw .invalidSplit("weights must be non-empty and not negative")
        }
        var total: Int64 = 0
        for weight in weights {
            let (sum, overflow) = total.addingReportingOverflow(weight)
            guard !overflow else { throw .overflow }
            total = sum
        }
        guard total > 0 else { throw .invalidSplit("weights sum to zero") }
        let magnitude = amount.magnitude
        guard magnitude <= UInt64(Int64.max) else { throw .overflow }
        var shares: [UInt64] = []
        var remainders: [(index: Int, remainder: UInt64)] = []
        var distributed: UInt64 = 0
        for (index, weight) in weights.enumerated() {
            // 128-bit intermediate so that large amounts times large weights cannot overflow.
            let product = magnitude.multipliedFullWidth(by: UInt64(weight))
            let (share, remainder) = UInt64(total).dividingFullWidth(product)
            shares.append(share)
            remainders.append((index, remainder))
            distributed += share
        }
        var leftover = magnitude - distributed
        for entry in remainders.sorted(by: { ($0.remainder, -$0.index) > ($1.remainder, -$1.index) }) where leftover > 0
        {
            shares[entry.index] += 1
            leftover -= 1
        }
        let sign: Int64 = amount < 0 ? -1 : 1
        return shares.map { Money(minorUnits: sign * Int64($0), currency) }
    }

    /// The amount as a decimal string in major units, e.g. `125.50 SEK`.
    public var description: String {
        "\(Self.decimalString(amount, exponent: currency.minorUnitExponent)) \(currency.code)"
    }

    /// The number for people, without the currency: `12 500,00` with `decimalSeparator: ","` and
    /// `groupingSeparator: " "`. Documents, reports and summaries all format through here.
    public func formatted(decimalSeparator: String = ".", groupingSeparator: String = "", minus: String = "-") -> String
    {
        Self.decimalString(
            amount,
            exponent: currency.minorUnitExponent,
            decimalSeparator: decimalSeparator,
            groupingSeparator: groupingSeparator,
            minus: minus
        )
    }

    /// Formats minor units as a decimal string with `exponent` fraction digits.
    static func decimalString(
        _ minorUnits: Int64,
        exponent: Int,
        decimalSeparator: String = ".",
        groupingSeparator: String = "",
        minus: String = "-"
    ) -> String {
        var divisor: UInt64 = 1
        for _ in 0..<exponent { divisor *= 10 }
        let magnitude = minorUnits.magnitude
        var whole = String(magnitude / divisor)
        if !groupingSeparator.isEmpty {
            var grouped = ""
            while whole.count > 3 {
                grouped = groupingSeparator + whole.suffix(3) + grouped
                whole = String(whole.dropLast(3))
            }
            whole += grouped
        }
        let sign = minorUnits < 0 ? minus : ""
        guard exponent > 0 else { return sign + whole }
        let fraction = String(magnitude % divisor)
        return sign + whole + decimalSeparator + String(repeating: "0", count: exponent - fraction.count) + fraction
    }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
    }

    private enum CodingKeys: String, CodingKey { case amount, currency }
}
