import KvittContracts

/// The reduction rate and the caps, in a dated table: rates change by law and by payment date (docs/domain.md §5.1).
///
/// The buyer's payment date decides the tax year, the rate and which year's cap a claim counts against. Payments
/// from 2026-01-01 have the standing rates again (ROT 30 %, RUT 50 %).
enum ReductionRates {
    /// A rate that applies to work paid within a period (inclusive).
    struct Period: Sendable {
        let kind: ClaimKind
        let from: CalendarDate
        let through: CalendarDate
        let percent: Int
        /// Whether the work must also have been done within the period (prop. 2024/25:156 for the 2025 ROT rate).
        let requiresWorkWithin: Bool
    }

    /// Exceptions to the standing rates: the temporary 50 % ROT for work done and paid 12 May – 31 December 2025.
    static let periods: [Period] = [
        Period(
            kind: .rot,
            from: CalendarDate("2025-05-12")!,
            through: CalendarDate("2025-12-31")!,
            percent: 50,
            requiresWorkWithin: true
        )
    ]

    /// RUT 50 %, ROT 30 % of the labour cost including VAT.
    static func standing(_ kind: ClaimKind) -> Int { kind == .rut ? 50 : 30 }

    /// The rate for work of `kind` paid on `date` and done within `work`.
    ///
    /// A period that needs the work done within it applies only when the invoice states a work period lying wholly
    /// inside it: without a stated period, or with work partly outside, the standing rate applies. That never asks
    /// Skatteverket for more than the law allows; a buyer who is owed the higher rate is given it by a new invoice
    /// that states the period.
    static func percent(_ kind: ClaimKind, paidOn date: CalendarDate, work: CreateInvoice.WorkPeriod? = nil) -> Int {
        period(kind, paidOn: date, work: work)?.percent ?? standing(kind)
    }

    /// The exception that applies, if any.
    static func period(_ kind: ClaimKind, paidOn date: CalendarDate, work: CreateInvoice.WorkPeriod?) -> Period? {
        periods.first { period in
            guard period.kind == kind, period.from <= date, date <= period.through else { return false }
            guard period.requiresWorkWithin else { return true }
            guard let work else { return false }
            return period.from <= work.from && work.through <= period.through
        }
    }

    /// Per person and year: ROT and RUT together 75 000 kr, of which ROT at most 50 000 kr (in öre).
    static let totalCap: Int64 = 7_500_000
    static let rotCap: Int64 = 5_000_000

    /// What is left of a buyer's caps for `kind`, given what the buyer already has in the year (öre).
    static func capLeft(_ kind: ClaimKind, usedROT: Int64, usedRUT: Int64) -> Int64 {
        let total = max(0, totalCap - usedROT - usedRUT)
        return kind == .rot ? min(total, max(0, rotCap - usedROT)) : total
    }

    /// Whole kronor, in öre, of `percent` % of `labour`, rounded down: the most a claim may ask for that labour.
    static func reduction(of labour: Int64, percent: Int) -> Int64 {
        guard labour > 0 else { return 0 }
        let (rated, overflow) = labour.multipliedReportingOverflow(by: Int64(percent))
        return overflow ? .max / 100 * 100 : rated / 100 / 100 * 100
    }
}
