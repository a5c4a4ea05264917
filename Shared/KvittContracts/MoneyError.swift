/// Why an operation on ``Money`` was refused.
public enum MoneyError: Error, Equatable, Sendable {
    /// The two amounts are in different currencies; Kvitt never converts implicitly.
    case currencyMismatch(Currency, Currency)
    /// The result does not fit in 64 bits of minor units.
    case overflow
    /// A split into zero or fewer parts, or with weights that are negative or all zero.
    case invalidSplit(String)
}
