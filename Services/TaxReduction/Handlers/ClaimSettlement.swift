import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// A payment settles (part of) each buyer's open claim on an invoice, and its date decides (docs/domain.md §5.1):
/// the tax year, the rate (including whether the temporary 2025 ROT rate applies) and which year's cap the claim
/// counts against.
///
/// What the payment date allows is at most what the invoice gave: the claim asks that, and when the invoice gave more
/// (it assumed another rate or year, or the payment year's cap is used up), the difference is the buyer's to pay:
/// `tax-reduction.reduction-adjusted.v1`, which invoicing bills with the reason. When the payment date would allow
/// more than the invoice gave, the claim still asks only what the invoice gave: the buyer paid the rest of the labour,
/// and Skatteverket pays only the difference between the labour and what the buyer paid (7 § HUSFL).
enum ClaimSettlement {
    /// Settles `payment` (what this payment paid of what was still open on the invoice, this payment included), or
    /// with `nil` everything still open: the invoice is paid in full.
    static func settle(
        invoiceID: String,
        payment: (paid: Int64, open: Int64)?,
        on date: CalendarDate,
        context: HandlerContext
    ) throws {
        let open = try ClaimRecord.fetchAll(
            context.db,
            sql: "SELECT * FROM claim WHERE invoiceID = ? AND status = 'allocated' ORDER BY buyer",
            arguments: [invoiceID]
        )
        for var remaining in open {
            var part = remaining
            if let payment {
                part = try carve(&remaining, paid: payment.paid, of: payment.open)
                // What stays open keeps counting against its year's cap; the part counts against the payment's.
                try remaining.update(context.db)
                guard part.labour > 0 else { continue }
            }
            try settle(&part, replacing: payment == nil ? remaining.id : nil, on: date, context: context)
        }
    }

    /// Takes the part of `claim` that a payment of `paid` out of `open` settles; `claim` keeps the rest. Amounts are
    /// rounded down to whole kronor and hours to whole hours, so the last payment takes what rounding left.
    static func carve(_ claim: inout ClaimRecord, paid: Int64, of open: Int64) throws -> ClaimRecord {
        var part = claim
        part.id = RandomIdentifier.make()
        part.labour = ClaimSplit.portion(claim.labour, paid: paid, of: open, unit: 100)
        part.share = ClaimSplit.portion(claim.share, paid: paid, of: open, unit: 100)
        part.otherCost = ClaimSplit.portion(claim.otherCost, paid: paid, of: open, unit: 100)
        let work = try claim.works()
        let partWork = ClaimSplit.portion(work, paid: paid, of: open)
        part.work = try ClaimRecord.encode(partWork)
        part.hours = Int(ClaimSplit.portion(Int64(claim.hours), paid: paid, of: open))
        claim.labour -= part.labour
        claim.share -= part.share
        claim.otherCost -= part.otherCost
        claim.hours -= part.hours
        claim.work = try ClaimRecord.encode(ClaimSplit.subtracting(partWork, from: work))
        return part
    }

    /// Makes `part` requestable on `date` with what that date allows, merged into the buyer's earlier claim on the
    /// invoice of the same payment year when that is not yet in a file. `replacing` is the open claim's id when the
    /// part is all of it (the row is reused or removed).
    private static func settle(
        _ part: inout ClaimRecord,
        replacing openID: String?,
        on date: CalendarDate,
        context: HandlerContext
    ) throws {
        guard let kind = ClaimKind(rawValue: part.kind) else { return }
        let invoiced = part.share
        let percent = ReductionRates.percent(kind, paidOn: date, work: part.workPeriod)
        let used = try ClaimRecord.capUsed(by: part.buyer, in: date.year, excluding: openID, context.db)
        let capLeft = ReductionRates.capLeft(kind, usedROT: used.rot, usedRUT: used.rut) / 100 * 100
        let byRate = ReductionRates.reduction(of: part.labour, percent: percent)
        let allowed = min(invoiced, byRate, capLeft)
        part.status = .requestable
        part.paymentDate = date.description
        part.year = date.year
        // What the buyer paid for the labour (BetaltBelopp): the labour less the reduction the invoice gave.
        part.paidAmount = part.labour - invoiced
        part.share = allowed
        part.adjusted = invoiced - allowed
        part.adjustmentReason =
            allowed < invoiced
            ? reason(
                kind,
                date: date,
                percent: percent,
                work: part.workPeriod,
                capReached: capLeft < min(invoiced, byRate)
            )
            : nil

        let earlier = try ClaimRecord.fetchOne(
            context.db,
            sql: """
                SELECT * FROM claim WHERE invoiceID = ? AND buyer = ? AND status = 'requestable' AND year = ?
                    AND id != ? ORDER BY paymentDate LIMIT 1
                """,
            arguments: [part.invoiceID, part.buyer, date.year, openID ?? ""]
        )
        var claim = part
        if var earlier {
            earlier.labour += part.labour
            earlier.share += part.share
            earlier.paidAmount = (earlier.paidAmount ?? 0) + (part.paidAmount ?? 0)
            earlier.otherCost += part.otherCost
            earlier.hours += part.hours
            earlier.work = try ClaimRecord.encode(ClaimSplit.adding(try part.works(), to: try earlier.works()))
            earlier.adjusted += part.adjusted
            earlier.adjustmentReason = part.adjustmentReason ?? earlier.adjustmentReason
            // One ärende per buyer and invoice in a year: the latest payment's date, within the same year.
            earlier.paymentDate = max(earlier.paymentDate ?? "", date.description)
            try earlier.update(context.db)
            if let openID { _ = try ClaimRecord.deleteOne(context.db, key: openID) }
            claim = earlier
        } else if openID != nil {
            try part.update(context.db)
        } else {
            try part.insert(context.db)
        }
        guard allowed < invoiced else { return }
        let standing =
            try Int64.fetchOne(
                context.db,
                sql: "SELECT COALESCE(SUM(COALESCE(standing, share)), 0) FROM claim WHERE invoiceID = ? AND buyer = ?",
                arguments: [part.invoiceID, part.buyer]
            ) ?? 0
        context.logger.info(
            "reduction adjusted to the payment date",
            metadata: ["invoice.id": "\(part.invoiceID)", "claim.id": "\(claim.id)"]
        )
        try context.publish(
            ReductionAdjusted(
                claimID: claim.id,
                invoiceID: part.invoiceID,
                creditorID: part.creditorID,
                buyer: part.buyer,
                paymentDate: date,
                invoiced: Money(minorUnits: invoiced, .sek),
                allowed: Money(minorUnits: allowed, .sek),
                owedByBuyer: Money(minorUnits: invoiced - allowed, .sek),
                buyerReduction: Money(minorUnits: standing, .sek),
                reason: part.adjustmentReason ?? ""
            )
        )
    }

    /// Why the payment date allows less, in Swedish for the buyer's invoice.
    static func reason(
        _ kind: ClaimKind,
        date: CalendarDate,
        percent: Int,
        work: CreateInvoice.WorkPeriod?,
        capReached: Bool
    ) -> String {
        let name = kind == .rot ? "rotavdrag" : "rutavdrag"
        if capReached {
            return "betald \(date): taket för rot- och rutavdrag \(date.year) är nått"
        }
        var text = "betald \(date): \(name) medges med \(percent) % av arbetskostnaden för betalningar \(date.year)"
        let temporary = ReductionRates.periods.first {
            $0.kind == kind && $0.requiresWorkWithin && $0.from <= date && date <= $0.through
        }
        if let temporary {
            let stated = work.map { " (arbetet utfört \($0.from)–\($0.through))" } ?? " (arbetsperiod saknas)"
            text +=
                "; \(temporary.percent) % kräver att arbetet utförts \(temporary.from)–\(temporary.through)" + stated
        }
        return text
    }
}

extension ClaimRecord {
    /// The stored list of work.
    func works() throws -> [Work] {
        try MessageCoding.decode([Work].self, from: Array(work.utf8))
    }

    /// A list of work as it is stored.
    static func encode(_ work: [Work]) throws -> String {
        String(decoding: try MessageCoding.encode(work), as: UTF8.self)
    }

    /// What a buyer's claims of a year count against the annual caps, ROT and RUT, leaving out the claim `excluded`.
    static func capUsed(by buyer: String, in year: Int, excluding excluded: String?, _ db: Database) throws
        -> (rot: Int64, rut: Int64)
    {
        let used = "COALESCE(standing, share)"
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(CASE WHEN kind = 'rot' THEN \(used) END), 0) AS rot,
                    COALESCE(SUM(CASE WHEN kind = 'rut' THEN \(used) END), 0) AS rut
                FROM claim WHERE buyer = ? AND year = ? AND id != ?
                """,
            arguments: [buyer, year, excluded ?? ""]
        )
        return (row?["rot"] ?? 0, row?["rut"] ?? 0)
    }
}
