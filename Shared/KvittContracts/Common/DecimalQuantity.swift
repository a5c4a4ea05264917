/// An exact decimal number from a string such as `"2.5"` or `"-1"`: quantities and hours on the wire.
///
/// Stored as an integer and a scale (`2.5` = 25 × 10⁻¹) so that amounts computed from it are exact; at most six
/// decimals.
public struct DecimalQuantity: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The digits as an integer.
    public let units: Int64
    /// How many of them are decimals.
    public let scale: Int

    /// Parses a plain decimal string; `nil` for anything else (exponents, commas, more than six decimals).
    public init?(_ text: String) {
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit),
            parts.count == 1
                || (!parts[1].isEmpty && parts[1].count <= Self.maximumScale && parts[1].allSatisfy(\.isASCIIDigit)),
            parts[0].count + (parts.count == 2 ? parts[1].count : 0) <= 15
        else { return nil }
        let digits = String(parts[0]) + (parts.count == 2 ? String(parts[1]) : "")
        guard let value = Int64(digits) else { return nil }
        units = negative ? -value : value
        scale = parts.count == 2 ? parts[1].count : 0
    }

    /// The most decimals a value has.
    public static let maximumScale = 6

    /// A value of `units` × 10^−`scale`; `scale` is 0…``maximumScale`` and `units` is not `Int64.min`, as every value
    /// read from text or summed by ``adding(_:)`` is.
    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = DecimalQuantity(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a decimal string like \"2.5\", got \(InputEcho.quoted(text))"
                )
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var isNegative: Bool { units < 0 }
    public var isZero: Bool { units == 0 }

    /// The value with its sign reversed.
    public var negated: DecimalQuantity { DecimalQuantity(units: -units, scale: scale) }

    /// `minorUnits × self`, rounded half away from zero to whole minor units.
    public func times(_ minorUnits: Int64) -> Int64? {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: units)
        guard !overflow else { return nil }
        return Self.divideRounded(product, by: Self.power(scale))
    }

    /// The value rounded half away from zero to a whole number.
    public var rounded: Int64 { Self.divideRounded(units, by: Self.power(scale)) }

    public var description: String { Money.decimalString(units, exponent: scale) }

    /// The exact sum, or `nil` when it does not fit in 64 bits at the larger of the two scales (15 digits and six
    /// decimals do not: quantities come from outside, so a sum of them is checked).
    public func adding(_ other: DecimalQuantity) -> DecimalQuantity? {
        let scale = max(self.scale, other.scale)
        let (left, leftOverflow) = units.multipliedReportingOverflow(by: Self.power(scale - self.scale))
        let (right, rightOverflow) = other.units.multipliedReportingOverflow(by: Self.power(scale - other.scale))
        guard !leftOverflow, !rightOverflow else { return nil }
        let (sum, overflow) = left.addingReportingOverflow(right)
        // Int64.min has no negation, and every value must have one (``negated``).
        guard !overflow, sum != .min else { return nil }
        return DecimalQuantity(units: sum, scale: scale)
    }

    /// Compares values, not spellings: `2.50` equals `2.5` in order (though not in `==`, which compares spelling).
    /// Aligned in 128 bits, so any two values compare, however many digits and decimals they have.
    public static func < (lhs: DecimalQuantity, rhs: DecimalQuantity) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        let left = lhs.units.multipliedFullWidth(by: power(scale - lhs.scale))
        let right = rhs.units.multipliedFullWidth(by: power(scale - rhs.scale))
        return (left.high, left.low) < (right.high, right.low)
    }

    static func power(_ scale: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<scale { result *= 10 }
        return result
    }

    /// Integer division rounded half away from zero.
    public static func divideRounded(_ value: Int64, by divisor: Int64) -> Int64 {
        let quotient = value / divisor
        let remainder = value % divisor
        if remainder.magnitude * 2 >= divisor.magnitude {
            return quotient + (value < 0 ? -1 : 1)
        }
        return quotient
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
