import Foundation
import KvittContracts

/// Why a case's automatic step could not be taken. The case is *held*: it keeps its state, shows the reason in
/// `GET /v1/cases`, and every other case goes on.
///
/// A hold ends when a later attempt succeeds or the case closes. The scheduler tries a held case again after
/// ``retryDelay(afterAttempts:)``, on its next pass after any change to the case (a payment, a credit, a creditor's
/// command), and on its first pass after a restart (which is when a newly configured rate table takes effect).
struct CaseHold: Sendable, Equatable, CustomStringConvertible {
    /// A stable code for each kind of hold: the `reason` of `GET /v1/cases` and of the log line.
    enum Reason: String, Sendable, Codable, CaseIterable {
        /// The reference-rate table has no rate for a day the interest runs over (a half-year after the table's last,
        /// or before its first): add the Riksbank's rate to `REFERENCE_RATES_FILE` (or `REFERENCE_RATES`) and
        /// restart; the case then resumes with the interest owed for the whole period.
        case noReferenceRate = "reference-rate-missing"
        /// The rate table gives a rate the interest cannot be computed with (negative with the margin).
        case invalidRateTable = "invalid-rate-table"
        /// Fees, interest or what is outstanding would not fit in 64 bits of minor units (forged or corrupt amounts).
        case amountOverflow = "amount-overflow"
        /// A date the step needs falls outside the supported calendar.
        case dateOutOfRange = "date-out-of-range"
        /// The stored case cannot be read back (a date, the history or the installment plan).
        case unreadableCase = "unreadable-case"
        /// Any other error of the step.
        case stepFailed = "step-failed"
    }

    let reason: Reason
    /// The error in words (dates, counts and amounts, never a debtor's identity), for the operator.
    let detail: String

    init(reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The hold for an error a step threw.
    init(_ error: any Error) {
        detail = PersonalDataMasking.mask("\(error)")
        switch error {
        case let error as DebtCollectionError:
            switch error {
            case .noReferenceRate: reason = .noReferenceRate
            case .invalidRateTable: reason = .invalidRateTable
            case .money(.overflow), .amountOverflow: reason = .amountOverflow
            case .dateOutOfRange: reason = .dateOutOfRange
            case .unreadableCase: reason = .unreadableCase
            default: reason = .stepFailed
            }
        case is DecodingError, is EncodingError: reason = .unreadableCase
        default: reason = .stepFailed
        }
    }

    var description: String { "\(reason.rawValue): \(detail)" }

    /// The longest wait before a held case is tried again.
    static let maximumRetryDelay: TimeInterval = 3_600

    /// How long to wait before trying a held case again after `attempts` failed attempts: a minute, doubling each
    /// time, at most ``maximumRetryDelay``. Retrying is cheap; most holds need an outside change, which retries at
    /// once anyway.
    static func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        let doublings = min(max(attempts - 1, 0), 6)
        return min(60 * Double(1 << doublings), maximumRetryDelay)
    }

    /// A hold as a case stores it and `GET /v1/cases` shows it.
    struct Stored: Sendable, Equatable, Codable {
        /// The ``Reason`` code.
        let reason: String
        let detail: String
        /// When the case was first held for this reason (business clock).
        let since: Date
        /// Failed attempts since then.
        let attempts: Int
        /// The earliest pass that tries again; `nil` for the next one.
        let retryAt: Date?
    }
}
