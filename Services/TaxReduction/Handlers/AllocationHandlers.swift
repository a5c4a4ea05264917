import Foundation
import GRDB
import KvittContracts
import KvittMessaging

extension HandlerContext {
    /// Refuses the command being handled with tax-reduction.command-rejected.v1.
    func reject(_ errors: [FieldError]) throws {
        try reject(errors, as: TaxReductionCommandRejected.self)
    }
}

/// Remembers each creditor's identity number, to refuse a buyer who is the provider.
struct CreditorRegisteredHandler: MessageHandler {
    func handle(_ event: CreditorRegistered, context: HandlerContext) throws {
        let digits = String(event.creditor.organisationNumber.filter { $0.isASCII && $0.isNumber }.suffix(10))
        try context.db.execute(
            sql:
                "INSERT INTO creditor (id, identity) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET identity = excluded.identity",
            arguments: [event.creditor.creditorID, digits]
        )
    }
}

/// Allocates a ROT/RUT draft's reduction between its buyers, or rejects it; invoicing attests or blocks on the answer.
///
/// The invoice gives the reduction of the day the buyer is expected to pay, its due date: that day's rate (with the
/// work period for the temporary 2025 ROT rate) and that year's cap. The actual payment date settles both
/// (``ClaimSettlement``).
struct InvoiceCreatedHandler: MessageHandler {
    func handle(_ event: InvoiceCreated, context: HandlerContext) throws {
        guard let detail = event.taxReduction, let kind = ClaimKind(rawValue: detail.kind) else { return }
        let already = try Bool.fetchOne(
            context.db,
            sql: "SELECT EXISTS(SELECT 1 FROM claim WHERE invoiceID = ?)",
            arguments: [event.invoiceID]
        )
        guard already != true else { return }
        let expectedPayment = event.dueDate
        let year = expectedPayment.year
        var errors: [FieldError] = []
        var buyers: [ReductionAllocation.Buyer] = []
        let provider = try String.fetchOne(
            context.db,
            sql: "SELECT identity FROM creditor WHERE id = ?",
            arguments: [event.creditorID]
        )
        for (index, text) in detail.request.buyers.enumerated() {
            let field = "taxReduction.buyers[\(index)]"
            guard let number = try? Personnummer(parsing: text, referenceDate: context.now) else {
                errors.append(FieldError(field, "not a valid personnummer or samordningsnummer"))
                continue
            }
            if number.age(onYear: year, month: 12, day: 31) < 18 {
                errors.append(FieldError(field, "buyer \(number.masked) is under 18 in the payment year \(year)"))
            }
            if let provider, String(number.canonical.suffix(10)) == provider {
                errors.append(FieldError(field, "the buyer \(number.masked) is the provider"))
            }
            let used = try ClaimRecord.capUsed(by: number.canonical, in: year, context.db)
            buyers.append(
                ReductionAllocation.Buyer(
                    personnummer: number,
                    usedTotal: used.rot + used.rut,
                    usedROT: used.rot
                )
            )
        }
        let request = detail.request
        let hasProperty = !(request.propertyDesignation ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        let hasApartment = request.housingAssociationOrgNumber != nil && request.apartmentNumber != nil
        if kind == .rot && !hasProperty && !hasApartment {
            errors.append(
                FieldError("taxReduction.propertyDesignation", "ROT needs the property designation or the BRF data")
            )
        }
        if let period = request.workPeriod, period.through < period.from {
            errors.append(FieldError("taxReduction.workPeriod", "the last day of work is before the first"))
        }
        if detail.labourCostIncludingVAT.currency != .sek {
            errors.append(FieldError("lines", "ROT and RUT labour is in SEK"))
        }
        if detail.labourCostIncludingVAT.amount <= 0 {
            errors.append(FieldError("lines", "no labour cost to reduce"))
        } else if detail.labourCostIncludingVAT.amount > ReductionAllocation.maximumLabour {
            // Beyond what a claim file can state, and the reduction computed from it would overflow.
            errors.append(
                FieldError(
                    "lines",
                    "the labour cost is more than a claim can hold, \(Money(minorUnits: ReductionAllocation.maximumLabour, .sek))"
                )
            )
        }
        if !(0...(999 * max(1, detail.request.buyers.count))).contains(detail.request.hoursToReport) {
            errors.append(FieldError("taxReduction.hoursToReport", "must be between 0 and 999 per buyer"))
        }
        let otherCost = Self.otherCost(of: event.lines)
        if otherCost == nil {
            errors.append(FieldError("lines", "the other costs sum to more than a claim can hold"))
        }
        guard errors.isEmpty, let otherCost else {
            context.logger.info("reduction rejected", metadata: ["invoice.id": "\(event.invoiceID)"])
            try context.publish(
                ReductionRejected(
                    invoiceID: event.invoiceID,
                    reason: errors.map(\.message).joined(separator: "; "),
                    errors: errors
                )
            )
            return
        }
        let percent = ReductionRates.percent(kind, paidOn: expectedPayment, work: request.workPeriod)
        let shares = ReductionAllocation.allocate(
            kind: kind,
            labour: detail.labourCostIncludingVAT.amount,
            percent: percent,
            hours: request.hoursToReport,
            buyers: buyers,
            year: year
        )
        let workPerBuyer = ClaimSplit.perBuyer(Self.reportedWork(detail, lines: event.lines), buyers: shares.count)
        var otherOffset = 0
        let otherPerBuyer = ClaimSplit.evenParts(otherCost / 100, into: shares.count, offset: &otherOffset)
        let property = StoredProperty(
            designation: request.propertyDesignation,
            housingAssociation: request.housingAssociationOrgNumber,
            apartmentNumber: request.apartmentNumber
        )
        let propertyJSON = kind == .rot ? String(decoding: try MessageCoding.encode(property), as: UTF8.self) : nil
        for (index, share) in shares.enumerated() {
            let work = workPerBuyer[index]
            let claim = ClaimRecord(
                id: RandomIdentifier.make(),
                invoiceID: event.invoiceID,
                creditorID: event.creditorID,
                kind: kind.rawValue,
                buyer: share.personnummer.canonical,
                year: year,
                share: share.amount,
                hours: work.isEmpty ? share.hours : work.reduce(0) { $0 + $1.hours },
                labour: share.labour,
                work: String(decoding: try MessageCoding.encode(work), as: UTF8.self),
                property: propertyJSON,
                invoiceNumber: nil,
                status: .allocated,
                paymentDate: nil,
                paidAmount: nil,
                fileID: nil,
                approved: nil,
                capWarning: share.capWarning,
                standing: nil,
                otherCost: otherPerBuyer[index] * 100,
                workFrom: request.workPeriod?.from.description,
                workThrough: request.workPeriod?.through.description
            )
            try claim.insert(context.db)
        }
        try context.publish(
            ReductionAllocated(
                invoiceID: event.invoiceID,
                kind: kind.rawValue,
                total: Money(minorUnits: shares.reduce(0) { $0 + $1.amount }, .sek),
                buyers: shares.map {
                    .init(
                        personnummer: $0.personnummer.canonical,
                        amount: Money(minorUnits: $0.amount, .sek),
                        hours: $0.hours,
                        capWarning: $0.capWarning,
                        labour: Money(minorUnits: $0.labour, .sek)
                    )
                }
            )
        )
    }

    /// The invoice's other costs (öre, excluding VAT, as material is): its lines marked `other` that are not ROT/RUT
    /// labour, never below zero; `nil` when they sum beyond what a claim can hold.
    static func otherCost(of lines: [PricedLine]) -> Int64? {
        let amounts = lines.filter { $0.line.taxReduction == nil && $0.line.costKind == .other }.map(\.net.amount)
        guard let total = MinorUnits.total(amounts), total <= ReductionAllocation.maximumLabour else { return nil }
        return max(0, total)
    }

    /// The work to report for the whole invoice: per type of work its material, and its share of the hours to report
    /// ("timmar att rapportera": the total of hours worked the reduction is asked for, spread over the types by the
    /// lines' own hours, or by their labour when no line gives hours).
    static func reportedWork(_ detail: TaxReductionDetail, lines: [PricedLine]) -> [ClaimRecord.Work] {
        let lineHours = detail.workTypes.map { max(0, $0.hours.times(1000) ?? 0) }
        let labour = detail.workTypes.map { type in
            lines.filter { $0.line.taxReduction?.workType == type.workType }
                .reduce(Int64(0)) { sum, line in
                    MinorUnits.total([sum, max(0, line.net.amount), max(0, line.vat.amount)]) ?? sum
                }
        }
        let weights = lineHours.contains { $0 > 0 } ? lineHours : labour
        let hours = ClaimSplit.hoursPerType(detail.request.hoursToReport, weights: weights)
        return detail.workTypes.enumerated().map { index, type in
            ClaimRecord.Work(
                workType: type.workType,
                hours: hours[index],
                materialCost: max(0, type.materialCost.amount)
            )
        }
    }
}

/// Notes the invoice number of an issued ROT/RUT invoice: Skatteverket's file names the invoice.
struct InvoiceIssuedHandler: MessageHandler {
    func handle(_ event: InvoiceIssued, context: HandlerContext) throws {
        try context.db.execute(
            sql: "UPDATE claim SET invoiceNumber = ? WHERE invoiceID = ?",
            arguments: [event.invoiceNumber, event.invoiceID]
        )
    }
}

/// The invoice is paid in full: what is still open of each buyer's claim is settled on the date of the last payment.
struct InvoicePaidHandler: MessageHandler {
    func handle(_ event: InvoicePaid, context: HandlerContext) throws {
        try ClaimSettlement.settle(invoiceID: event.invoiceID, payment: nil, on: event.paymentDate, context: context)
    }
}

/// A payment covered part of the invoice: that proportion of each buyer's open claim is settled on its date, so that
/// payments in different years become claims of their own years.
struct InvoicePartiallyPaidHandler: MessageHandler {
    func handle(_ event: InvoicePartiallyPaid, context: HandlerContext) throws {
        let hasOpenClaims = try Bool.fetchOne(
            context.db,
            sql: "SELECT EXISTS(SELECT 1 FROM claim WHERE invoiceID = ? AND status = 'allocated')",
            arguments: [event.invoiceID]
        )
        // Most invoices have no ROT/RUT: their payments are none of tax-reduction's business.
        guard hasOpenClaims == true else { return }
        guard event.amount.currency == event.remaining.currency, event.amount.amount > 0, event.remaining.amount >= 0,
            let owed = MinorUnits.sum(event.amount.amount, event.remaining.amount)
        else {
            throw PermanentFailure(
                reason: "amount-out-of-range",
                detail: "a partial payment of invoice \(event.invoiceID) of \(event.amount) with \(event.remaining) "
                    + "remaining is not a payment tax-reduction can divide"
            )
        }
        try ClaimSettlement.settle(
            invoiceID: event.invoiceID,
            payment: (paid: event.amount.amount, open: owed),
            on: event.paymentDate,
            context: context
        )
    }
}

/// A credit took back ROT/RUT work: invoicing says what reduction and labour now stand for each buyer. A claim not yet
/// sent takes them (its hours and work types in proportion, and what the buyer paid), and is withdrawn when nothing
/// stands; a claim already sent keeps what was asked, and what no longer stands is owed back to Skatteverket
/// (reduction-repayment-due), at most what Skatteverket approved once it has decided.
struct InvoiceCreditedHandler: MessageHandler {
    func handle(_ event: InvoiceCredited, context: HandlerContext) throws {
        guard let standing = event.taxReductionStanding, !standing.isEmpty else { return }
        for buyer in standing {
            for (what, money) in [("reduction", buyer.reduction), ("labour", buyer.labour)] {
                guard money.currency == .sek, (0...MinorUnits.bound).contains(money.amount) else {
                    throw PermanentFailure(
                        reason: "amount-out-of-range",
                        detail: "a credit of invoice \(event.invoiceID) leaves a buyer's \(what) at \(money), not an "
                            + "amount in SEK within 0…\(MinorUnits.bound)"
                    )
                }
            }
            let claims = try ClaimRecord.fetchAll(
                context.db,
                sql: """
                    SELECT * FROM claim WHERE invoiceID = ? AND buyer = ?
                    ORDER BY CASE status WHEN 'allocated' THEN 0 WHEN 'requestable' THEN 1 WHEN 'withdrawn' THEN 2
                        ELSE 3 END, paymentDate DESC
                    """,
                arguments: [event.invoiceID, buyer.personnummer]
            )
            guard !claims.isEmpty else {
                // Invoicing keeps the buyers tax-reduction allocated, so an unknown one is a faulty event.
                throw PermanentFailure(
                    reason: "unknown-claim",
                    detail: "a credit of invoice \(event.invoiceID) names a buyer without a claim on it"
                )
            }
            // Credits only ever lower what stands: an older credit replayed after a newer one changes nothing. With
            // several claims (payments in different years) the decrease is taken from what is not yet sent first.
            var reductionTaken = claims.reduce(Int64(0)) { $0 + $1.standingShare } - buyer.reduction.amount
            var labourTaken = claims.reduce(Int64(0)) { $0 + $1.labour } - buyer.labour.amount
            // Anything higher than what stands is an older credit replayed.
            guard reductionTaken >= 0, labourTaken >= 0 || reductionTaken > 0, reductionTaken > 0 || labourTaken > 0
            else { continue }
            labourTaken = max(0, labourTaken)
            for var claim in claims {
                let reduction = min(reductionTaken, claim.standingShare)
                let labour = min(labourTaken, claim.labour)
                reductionTaken -= reduction
                labourTaken -= labour
                switch claim.status {
                case .allocated, .requestable, .withdrawn:
                    guard reduction > 0 || labour > 0 else { continue }
                    claim.lower(to: claim.share - reduction, labour: claim.labour - labour)
                    try claim.update(context.db)
                case .claimed, .decided:
                    guard reduction > 0 else { continue }
                    let owedBefore = claim.repayment
                    claim.standing = claim.standingShare - reduction
                    try claim.update(context.db)
                    try claim.reportRepayment(
                        changedFrom: owedBefore,
                        creditInvoiceID: event.creditInvoiceID,
                        context: context
                    )
                }
            }
        }
    }
}

extension ClaimRecord {
    /// Takes what stands after a credit: the hours, the buyer's and each work type's, keep their proportion to the
    /// labour; with nothing left to ask for, the claim is withdrawn.
    mutating func lower(to reduction: Int64, labour newLabour: Int64) {
        func scaled(_ value: Int) -> Int {
            // newLabour is 0…labour (InvoiceCreditedHandler), so the 128-bit quotient is at most `value`.
            guard labour > 0, (0...labour).contains(newLabour) else { return 0 }
            return Int(labour.dividingFullWidth(Int64(value).multipliedFullWidth(by: newLabour)).quotient)
        }
        if var works = try? MessageCoding.decode([Work].self, from: Array(work.utf8)) {
            for index in works.indices { works[index].hours = scaled(works[index].hours) }
            if let encoded = try? MessageCoding.encode(works) { work = String(decoding: encoded, as: UTF8.self) }
        }
        hours = scaled(hours)
        share = reduction
        labour = newLabour
        if status == .requestable, let date = paymentDate.flatMap(CalendarDate.init),
            let kind = ClaimKind(rawValue: kind)
        {
            // Never more than the payment date's rate allows on what is left of the labour.
            share = min(
                share,
                ReductionRates.reduction(
                    of: labour,
                    percent: ReductionRates.percent(kind, paidOn: date, work: workPeriod)
                )
            )
            paidAmount = max(0, labour - share - adjusted)
        }
        if share == 0 { status = .withdrawn }
    }

    /// Says what the creditor owes Skatteverket for this claim in all, when it is not what it was.
    func reportRepayment(changedFrom before: Int64, creditInvoiceID: String?, context: HandlerContext) throws {
        guard repayment != before else { return }
        try context.publish(
            ReductionRepaymentDue(
                claimID: id,
                invoiceID: invoiceID,
                creditorID: creditorID,
                invoiceNumber: invoiceNumber,
                creditInvoiceID: creditInvoiceID,
                claimStatus: status.rawValue,
                owed: Money(minorUnits: repayment, .sek)
            )
        )
    }
}
