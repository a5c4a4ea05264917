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
            parts.count == 1 || (!parts[1].isEmpty && parts[1].count <= 6 && parts[1].allSatisfy(\.isASCIIDigit)),
            parts[0].count + (parts.count == 2 ? parts[1].count : 0) <= 15
        else { return nil }
        let digits = String(parts[0]) + (parts.count == 2 ? String(parts[1]) : "")
        guard let value = Int64(digits) else { return nil }
        units = negative ? -value : value
        scale = parts.count == 2 ? parts[1].count : 0
    }

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
                    debugDescription: "expected a decimal string like \"2.5\", got '\(text)'"
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

    /// The exact sum.
    public static func + (lhs: DecimalQuantity, rhs: DecimalQuantity) -> DecimalQuantity {
        let (left, right, scale) = aligned(lhs, rhs)
        return DecimalQuantity(units: left + right, scale: scale)
    }

    /// Compares values, not spellings: `2.50` equals `2.5` in order (though not in `==`, which compares spelling).
    public static func < (lhs: DecimalQuantity, rhs: DecimalQuantity) -> Bool {
        let (left, right, _) = aligned(lhs, rhs)
        return left < right
    }

    /// Both values as integers at the larger of their scales.
    static func aligned(_ lhs: DecimalQuantity, _ rhs: DecimalQuantity) -> (Int64, Int64, Int) {
        let scale = max(lhs.scale, rhs.scale)
        return (lhs.units * power(scale - lhs.scale), rhs.units * power(scale - rhs.scale), scale)
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
