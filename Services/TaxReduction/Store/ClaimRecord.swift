import Foundation
import GRDB
import KvittContracts

/// One buyer's claim on one invoice, from allocation to Skatteverket's decision.
///
/// Until the invoice is paid a buyer has one `allocated` row: what is still open. A payment turns what it settles into
/// a `requestable` row with the payment's date (merged into an earlier one of the same payment year that is not yet
/// in a file), so that payments across a year end become claims of their own years.
struct ClaimRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "claim"

    enum Status: String, Codable, Sendable, CaseIterable {
        /// Allocated; the invoice is not paid yet.
        case allocated
        /// The buyer paid: it can go into a claim file.
        case requestable
        /// In a claim file sent to Skatteverket.
        case claimed
        /// Skatteverket decided.
        case decided
        /// Credited in full before it was sent: nothing to ask for.
        case withdrawn
    }

    /// One work type's hours and material, as stored with the claim.
    struct Work: Codable, Sendable, Equatable {
        var workType: String
        var hours: Int
        var materialCost: Int64
    }

    var id: String
    var invoiceID: String
    var creditorID: String
    var kind: String
    /// The canonical 12-digit personnummer.
    var buyer: String
    /// The year whose cap the share counts against (the payment year once paid).
    var year: Int
    var share: Int64
    var hours: Int
    var labour: Int64
    /// JSON of `[Work]`.
    var work: String
    /// JSON of the ROT property (designation or BRF and apartment).
    var property: String?
    var invoiceNumber: String?
    var status: Status
    var paymentDate: String?
    var paidAmount: Int64?
    var fileID: String?
    var approved: Int64?
    var capWarning: String?
    /// What stands of the reduction once a credit took back work of a claim already sent (`share` stays what was
    /// asked); `nil` while nothing was taken back. A claim not yet sent is lowered in `share` itself.
    var standing: Int64?
    /// Other costs (`Ovrigkostnad`): this claim's part of the invoice's lines marked as other costs, öre in whole
    /// kronor.
    var otherCost: Int64 = 0
    /// When the work was done, as the invoice states it (`YYYY-MM-DD`), or `nil`.
    var workFrom: String?
    var workThrough: String?
    /// What the payment date allowed less than the invoice gave (öre): billed to the buyer (`reduction-adjusted`);
    /// `share` is what is left, and what the claim asks.
    var adjusted: Int64 = 0
    var adjustmentReason: String?

    /// The work period the invoice states, if both days are known.
    var workPeriod: CreateInvoice.WorkPeriod? {
        guard let from = workFrom.flatMap(CalendarDate.init), let through = workThrough.flatMap(CalendarDate.init)
        else { return nil }
        return CreateInvoice.WorkPeriod(from: from, through: through)
    }

    /// What stands of the reduction.
    var standingShare: Int64 { standing ?? share }

    /// What the creditor owes Skatteverket for this claim: what Skatteverket pays (what was asked, until it decides)
    /// beyond what stands.
    var repayment: Int64 { max(0, min(share, approved ?? share) - standingShare) }

    /// What a buyer's claims of a year count against the annual caps, ROT and RUT: what stands of each.
    static func capUsed(by buyer: String, in year: Int, _ db: Database) throws -> (rot: Int64, rut: Int64) {
        let used = "COALESCE(standing, share)"
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(CASE WHEN kind = 'rot' THEN \(used) END), 0) AS rot,
                    COALESCE(SUM(CASE WHEN kind = 'rut' THEN \(used) END), 0) AS rut
                FROM claim WHERE buyer = ? AND year = ?
                """,
            arguments: [buyer, year]
        )
        return (row?["rot"] ?? 0, row?["rut"] ?? 0)
    }

    var maskedBuyer: String { String(buyer.prefix(8)) + "-****" }
}

/// The ROT property as stored with a claim.
struct StoredProperty: Codable, Sendable, Equatable {
    var designation: String?
    var housingAssociation: String?
    var apartmentNumber: String?
}

/// A generated claim file.
struct ClaimFileRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "claim_file"
    var id: String
    var creditorID: String
    var kind: String
    var year: Int
    var name: String
    var xml: String
    var generatedAt: Double
    var deadline: String
}
