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
            let used = try Row.fetchOne(
                context.db,
                sql: """
                    SELECT COALESCE(SUM(share), 0) AS total, COALESCE(SUM(CASE WHEN kind = 'rot' THEN share END), 0) AS rot
                    FROM claim WHERE buyer = ? AND year = ?
                    """,
                arguments: [number.canonical, year]
            )
            buyers.append(
                ReductionAllocation.Buyer(
                    personnummer: number,
                    usedTotal: used?["total"] ?? 0,
                    usedROT: used?["rot"] ?? 0
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
        if detail.labourCostIncludingVAT.amount <= 0 {
            errors.append(FieldError("lines", "no labour cost to reduce"))
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
                repayment: 0
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
                        capWarning: $0.capWarning
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

/// A credit took back ROT/RUT work: each buyer's claim on the invoice gives up its part of what the credit took back
/// (in proportion to its share, whole kronor). A claim not yet sent is lowered, with its labour, hours and what the
/// buyer paid, and withdrawn when nothing is left; one Skatteverket already has is left as sent, and the part is a
/// repayment the creditor owes Skatteverket (reduction-repayment-due).
struct InvoiceCreditedHandler: MessageHandler {
    func handle(_ event: InvoiceCredited, context: HandlerContext) throws {
        guard let takenBack = event.taxReductionCredited?.amount, takenBack > 0 else { return }
        let claims = try ClaimRecord.fetchAll(
            context.db,
            sql: "SELECT * FROM claim WHERE invoiceID = ? AND status != 'withdrawn' ORDER BY rowid",
            arguments: [event.invoiceID]
        )
        guard !claims.isEmpty else {
            // Invoicing only sends this for an invoice whose reduction tax-reduction allocated.
            throw PermanentFailure(
                reason: "unknown-invoice",
                detail: "a credit took back a ROT/RUT reduction of invoice \(event.invoiceID), which has no claims"
            )
        }
        let parts = ReductionAllocation.proportionalKronor(takenBack, of: claims.map(\.share))
        let labourParts = ReductionAllocation.proportional(event.labourCredited?.amount ?? 0, of: claims.map(\.labour))
        for (index, var claim) in claims.enumerated() where parts[index] > 0 || labourParts[index] > 0 {
            switch claim.status {
            case .allocated, .requestable:
                let labourBefore = claim.labour
                claim.share -= parts[index]
                claim.labour = max(0, claim.labour - labourParts[index])
                if labourBefore > 0 {
                    claim.hours = Int(Int64(claim.hours) * claim.labour / labourBefore)
                }
                if claim.status == .requestable { claim.paidAmount = claim.labour - claim.share }
                if claim.share <= 0 { claim.status = .withdrawn }
                try claim.update(context.db)
            case .claimed, .decided:
                // Skatteverket may have approved less than was asked: only what it pays can be owed back.
                let owed = min(parts[index], max(0, (claim.approved ?? claim.share) - claim.repayment))
                guard owed > 0 else { continue }
                claim.repayment += owed
                try claim.update(context.db)
                try context.publish(
                    ReductionRepaymentDue(
                        claimID: claim.id,
                        invoiceID: claim.invoiceID,
                        creditorID: claim.creditorID,
                        invoiceNumber: claim.invoiceNumber,
                        creditInvoiceID: event.creditInvoiceID,
                        claimStatus: claim.status.rawValue,
                        amount: Money(minorUnits: owed, .sek)
                    )
                )
            case .withdrawn:
                continue
            }
        }
    }
}
