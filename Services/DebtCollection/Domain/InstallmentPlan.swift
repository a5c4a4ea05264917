import KvittContracts

/// An amorteringsplan: the remaining balance plus the plan fee split into instalments on agreed dates.
///
/// The fee (at most 170 kr, docs/domain.md §7.1) may be charged for a written, complete plan for the remaining
/// debt made with the debtor and sent or handed over; pass `chargeFee: false` otherwise. The total is split with
/// ``Money/split(into:)``, so the instalments sum exactly to it and differ by at most one öre, the extra öre first.
/// Each instalment is tracked against the payments so far: an instalment is missed when its date has passed and the
/// payments do not cover it together with every instalment before it; a missed instalment resumes the ladder
/// (``CollectionEvent/installmentMissed(on:)``).
struct InstallmentPlan: Sendable, Equatable, Codable {
    /// The fewest and most instalments a plan may have.
    static let allowedInstallmentCounts = 2...36

    /// One instalment.
    struct Installment: Sendable, Equatable, Codable {
        /// 1 for the first instalment.
        let number: Int
        /// The day it must be paid.
        let date: CalendarDate
        /// What it asks for.
        let amount: Money
    }

    /// Where the debtor stands.
    enum Status: Sendable, Equatable {
        /// Every instalment whose date has passed is covered; `next` is the first not fully covered and
        /// `amountDue` what it still needs.
        case onTrack(next: Installment, amountDue: Money)
        /// The earliest instalment whose date has passed uncovered, and how much is missing up to and including it.
        case missed(Installment, shortfall: Money)
        /// Everything is paid.
        case completed
    }

    /// The balance the plan pays off, without the fee.
    let balance: Money
    /// The plan fee included in the instalments (zero when none is charged).
    let fee: Money
    /// The instalments in date order.
    let installments: [Installment]

    /// Splits `balance` plus the fee into one instalment per date. Refuses a balance of zero or less, fewer than 2
    /// or more than 36 dates, dates that are not strictly increasing, and a first date before `today`.
    init(
        balance: Money,
        dates: [CalendarDate],
        today: CalendarDate,
        chargeFee: Bool = true
    ) throws(DebtCollectionError) {
        guard balance.amount > 0 else { throw .nonPositiveBalance(balance) }
        guard Self.allowedInstallmentCounts.contains(dates.count) else {
            throw .invalidInstallmentCount(dates.count)
        }
        guard zip(dates, dates.dropFirst()).allSatisfy({ $0 < $1 }) else { throw .installmentDatesNotIncreasing }
        guard dates[0] >= today else { throw .firstInstallmentInThePast(first: dates[0], today: today) }
        let fee = chargeFee ? CollectionFees.installmentPlan : Money.zero(balance.currency)
        do throws(MoneyError) {
            let amounts = try balance.adding(fee).split(into: dates.count)
            self.installments = zip(dates, amounts).enumerated().map { index, pair in
                Installment(number: index + 1, date: pair.0, amount: pair.1)
            }
        } catch {
            throw .money(error)
        }
        self.balance = balance
        self.fee = fee
    }

    /// The balance plus the fee: what the instalments sum to (checked when the plan was made).
    var total: Money {
        get throws(DebtCollectionError) {
            Money(
                minorUnits: try CheckedAmount.sum(installments.lazy.map(\.amount.amount), "the installments"),
                balance.currency
            )
        }
    }

    /// Where the debtor stands on `today` after paying `paidSoFar` in all towards the plan. An instalment is missed
    /// the day after its date, so it can still be paid on the date itself.
    func status(paidSoFar: Money, today: CalendarDate) throws(DebtCollectionError) -> Status {
        guard paidSoFar.currency == balance.currency else {
            throw .money(.currencyMismatch(balance.currency, paidSoFar.currency))
        }
        var cumulative: Int64 = 0
        for installment in installments {
            cumulative = try CheckedAmount.add(cumulative, installment.amount.amount, "the installments")
            guard paidSoFar.amount < cumulative else { continue }
            let missing = Money(
                minorUnits: try CheckedAmount.subtract(cumulative, paidSoFar.amount, "the installment shortfall"),
                balance.currency
            )
            if installment.date < today { return .missed(installment, shortfall: missing) }
            return .onTrack(next: installment, amountDue: missing)
        }
        return .completed
    }
}
