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
struct InvoiceCreatedHandler: MessageHandler {
    func handle(_ event: InvoiceCreated, context: HandlerContext) throws {
        guard let detail = event.taxReduction, let kind = ClaimKind(rawValue: detail.kind) else { return }
        let already = try Bool.fetchOne(
            context.db,
            sql: "SELECT EXISTS(SELECT 1 FROM claim WHERE invoiceID = ?)",
            arguments: [event.invoiceID]
        )
        guard already != true else { return }
        // The invoice date stands in for the payment date until the invoice is paid.
        let expectedPayment = event.invoiceDate
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
        guard errors.isEmpty else {
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
        let percent = ReductionRates.percent(kind, paidOn: expectedPayment)
        let shares = ReductionAllocation.allocate(
            kind: kind,
            labour: detail.labourCostIncludingVAT.amount,
            percent: percent,
            hours: request.hoursToReport,
            buyers: buyers,
            year: year
        )
        let work = detail.workTypes.map {
            ClaimRecord.Work(workType: $0.workType, hours: Int($0.hours.rounded), materialCost: $0.materialCost.amount)
        }
        let property = StoredProperty(
            designation: request.propertyDesignation,
            housingAssociation: request.housingAssociationOrgNumber,
            apartmentNumber: request.apartmentNumber
        )
        let workJSON = String(decoding: try MessageCoding.encode(work), as: UTF8.self)
        let propertyJSON = kind == .rot ? String(decoding: try MessageCoding.encode(property), as: UTF8.self) : nil
        for share in shares {
            let claim = ClaimRecord(
                id: RandomIdentifier.make(),
                invoiceID: event.invoiceID,
                creditorID: event.creditorID,
                kind: kind.rawValue,
                buyer: share.personnummer.canonical,
                year: year,
                share: share.amount,
                hours: share.hours,
                labour: share.labour,
                work: workJSON,
                property: propertyJSON,
                invoiceNumber: nil,
                status: .allocated,
                paymentDate: nil,
                paidAmount: nil,
                fileID: nil,
                approved: nil,
                capWarning: share.capWarning,
                standing: nil
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

/// When the buyer has paid, each buyer's claim becomes requestable with what the buyer paid for the labour.
struct InvoicePaidHandler: MessageHandler {
    func handle(_ event: InvoicePaid, context: HandlerContext) throws {
        let claims = try ClaimRecord.fetchAll(
            context.db,
            sql: "SELECT * FROM claim WHERE invoiceID = ? AND status = 'allocated'",
            arguments: [event.invoiceID]
        )
        for var claim in claims {
            claim.status = .requestable
            claim.paymentDate = event.paymentDate.description
            // The buyer paid the labour cost less the reduction (7 § HUSFL): BetaltBelopp in the claim file.
            claim.paidAmount = claim.labour - claim.share
            claim.year = event.paymentDate.year
            try claim.update(context.db)
        }
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
            guard
                var claim = try ClaimRecord.fetchOne(
                    context.db,
                    sql: "SELECT * FROM claim WHERE invoiceID = ? AND buyer = ?",
                    arguments: [event.invoiceID, buyer.personnummer]
                )
            else {
                // Invoicing keeps the buyers tax-reduction allocated, so an unknown one is a faulty event.
                throw PermanentFailure(
                    reason: "unknown-claim",
                    detail: "a credit of invoice \(event.invoiceID) names a buyer without a claim on it"
                )
            }
            // Credits only ever lower what stands: an older credit replayed after a newer one changes nothing.
            switch claim.status {
            case .allocated, .requestable, .withdrawn:
                // A credit only lowers what stands; anything higher is an older credit replayed.
                guard buyer.labour.amount <= claim.labour, buyer.reduction.amount <= claim.share else { continue }
                claim.lower(to: buyer.reduction.amount, labour: buyer.labour.amount)
                try claim.update(context.db)
            case .claimed, .decided:
                guard buyer.reduction.amount < claim.standingShare else { continue }
                let owedBefore = claim.repayment
                claim.standing = buyer.reduction.amount
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
        if status == .requestable { paidAmount = labour - share }
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
