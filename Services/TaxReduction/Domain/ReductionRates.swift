import KvittContracts

/// The reduction rate and the caps, in a dated table: rates change by law and by payment date (docs/domain.md §5.1).
enum ReductionRates {
    /// A rate that applies to work paid within a period (inclusive).
    struct Period: Sendable {
        let kind: ClaimKind
        let from: CalendarDate
        let through: CalendarDate
        let percent: Int
    }

    /// Exceptions to the standing rates: the temporary 50 % ROT for work paid 12 May – 31 December 2025.
    static let periods: [Period] = [
        Period(kind: .rot, from: CalendarDate("2025-05-12")!, through: CalendarDate("2025-12-31")!, percent: 50)
    ]

    /// RUT 50 %, ROT 30 % of the labour cost including VAT.
    static func standing(_ kind: ClaimKind) -> Int { kind == .rut ? 50 : 30 }

    /// The rate for work of `kind` paid on `date`.
    static func percent(_ kind: ClaimKind, paidOn date: CalendarDate) -> Int {
        periods.first { $0.kind == kind && $0.from <= date && date <= $0.through }?.percent ?? standing(kind)
    }

    /// Per person and year: ROT and RUT together 75 000 kr, of which ROT at most 50 000 kr (in öre).
    static let totalCap: Int64 = 7_500_000
    static let rotCap: Int64 = 5_000_000
}
