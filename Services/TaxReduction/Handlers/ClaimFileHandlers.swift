import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Writes Skatteverket V6 claim files for a creditor, kind and payment year from its requestable claims.
struct GenerateClaimFileHandler: MessageHandler {
    func handle(_ command: GenerateClaimFile, context: HandlerContext) throws {
        var errors: [FieldError] = []
        let kind = ClaimKind(rawValue: command.kind)
        if kind == nil { errors.append(FieldError("kind", "must be rot or rut")) }
        if !ClaimFileBuilder.paymentYears.contains(command.year) {
            errors.append(
                FieldError(
                    "year",
                    "must be a payment year a claim file can hold, \(ClaimFileBuilder.paymentYears.lowerBound)–"
                        + "\(ClaimFileBuilder.paymentYears.upperBound)"
                )
            )
        }
        guard errors.isEmpty, let kind else { return try context.reject(errors) }
        let records = try ClaimRecord.fetchAll(
            context.db,
            sql: """
                SELECT * FROM claim WHERE creditorID = ? AND kind = ? AND status = 'requestable' AND year = ?
                ORDER BY paymentDate, invoiceNumber, buyer
                """,
            arguments: [command.creditorID, kind.rawValue, command.year]
        )
        guard !records.isEmpty else {
            return try context.reject([
                FieldError(
                    "year",
                    "no paid \(kind.rawValue.uppercased()) claims of \(command.creditorID) for \(command.year)"
                )
            ])
        }
        let claims: [BuyerClaim]
        let files: [ClaimFile]
        do {
            claims = try records.map(Self.buyerClaim)
            files = try ClaimFileBuilder.files(kind: kind, name: command.name, claims: claims)
        } catch {
            return try context.reject([FieldError("claims", "\(error)")])
        }
        // Each claim in a file back to its row, by the key the file uses (the invoice number may be a stand-in).
        var rows: [String: ClaimRecord] = [:]
        for (record, claim) in zip(records, claims) { rows[Self.key(claim)] = record }
        for file in files {
            let fileID = RandomIdentifier.make()
            let record = ClaimFileRecord(
                id: fileID,
                creditorID: command.creditorID,
                kind: kind.rawValue,
                year: file.year,
                name: file.name,
                xml: file.xml,
                generatedAt: context.now.timeIntervalSince1970,
                deadline: file.deadline.description
            )
            try record.insert(context.db)
            var included: [ClaimFileGenerated.Claim] = []
            for claim in file.claims {
                guard var stored = rows[Self.key(claim)] else { continue }
                stored.status = .claimed
                stored.fileID = fileID
                try stored.update(context.db)
                included.append(
                    .init(
                        claimID: stored.id,
                        invoiceID: stored.invoiceID,
                        buyer: stored.maskedBuyer,
                        requested: Money(minorUnits: stored.share, .sek)
                    )
                )
            }
            try context.publish(
                ClaimFileGenerated(
                    fileID: fileID,
                    creditorID: command.creditorID,
                    kind: kind.rawValue,
                    year: file.year,
                    name: file.name,
                    downloadPath: "/v1/claim-files/\(fileID)",
                    deadline: file.deadline,
                    claims: included
                )
            )
        }
    }

    static func key(_ claim: BuyerClaim) -> String { "\(claim.buyer.canonical)/\(claim.invoiceNumber)" }

    /// A stored claim that cannot go into a file as it stands.
    struct UnreadableClaim: Error, CustomStringConvertible {
        let claimID: String
        let what: String
        var description: String { "claim \(claimID): \(what) cannot be read" }
    }

    /// A stored claim that asks more than its payment date's rate allows.
    struct ClaimAboveRate: Error, CustomStringConvertible {
        let claimID: String
        let detail: String
        var description: String { "claim \(claimID) asks \(detail)" }
    }

    /// A stored claim as the claim file wants it: whole kronor, rounded down.
    static func buyerClaim(_ record: ClaimRecord) throws -> BuyerClaim {
        let work = try MessageCoding.decode([ClaimRecord.Work].self, from: Array(record.work.utf8))
        let property = try record.property.map { try MessageCoding.decode(StoredProperty.self, from: Array($0.utf8)) }
        var rotProperty: RotProperty?
        if let property {
            if let designation = property.designation, !designation.isEmpty {
                rotProperty = .realProperty(designation: designation)
            } else if let association = property.housingAssociation, let apartment = property.apartmentNumber {
                rotProperty = .cooperativeApartment(
                    association: try Organisationsnummer(parsing: association),
                    apartmentNumber: apartment
                )
            }
        }
        let performed = work.compactMap { item in
            WorkType(rawValue: item.workType).map {
                PerformedWork($0, hours: item.hours, materialCost: item.materialCost / 100)
            }
        }
        guard
            let paymentDate = CalendarDate(record.paymentDate ?? "")
                ?? CalendarDate(year: record.year, month: 1, day: 1)
        else { throw UnreadableClaim(claimID: record.id, what: "its payment date") }
        // The payment date's rate is the most a claim may ask (ClaimSettlement asks no more; this holds it for claims
        // settled before it did).
        let percent = ReductionRates.percent(
            ClaimKind(rawValue: record.kind) ?? .rot,
            paidOn: paymentDate,
            work: record.workPeriod
        )
        let allowed = ReductionRates.reduction(of: record.labour, percent: percent)
        guard record.share <= allowed else {
            throw ClaimAboveRate(
                claimID: record.id,
                detail: "a requested \(Money(minorUnits: record.share, .sek)) above the \(percent) % that a payment on "
                    + "\(paymentDate) allows (\(Money(minorUnits: allowed, .sek)))"
            )
        }
        return BuyerClaim(
            buyer: try Personnummer(parsing: record.buyer),
            invoiceNumber: record.invoiceNumber ?? record.invoiceID.prefix(20).description,
            paymentDate: paymentDate,
            labourCost: record.labour / 100,
            paidAmount: (record.paidAmount ?? 0) / 100,
            requestedAmount: record.share / 100,
            otherCost: record.otherCost / 100,
            property: rotProperty,
            work: performed
        )
    }
}

/// Imports Skatteverket's decision and publishes claim-decided per buyer; a refused part is owed by the buyer.
struct RecordDecisionHandler: MessageHandler {
    func handle(_ command: RecordDecision, context: HandlerContext) throws {
        var errors: [FieldError] = []
        var decided: [(ClaimRecord, Int64, String)] = []
        for (decisionIndex, decision) in command.beslut.enumerated() {
            for (caseIndex, item) in decision.arenden.enumerated() {
                let field = "beslut[\(decisionIndex)].arenden[\(caseIndex)]"
                guard let buyer = try? Personnummer(parsing: item.personnummer) else {
                    errors.append(FieldError("\(field).personnummer", "not a valid personnummer"))
                    continue
                }
                guard
                    let claim = try ClaimRecord.fetchOne(
                        context.db,
                        sql: """
                            SELECT * FROM claim WHERE buyer = ? AND invoiceNumber = ? AND status = 'claimed'
                            ORDER BY paymentDate LIMIT 1
                            """,
                        arguments: [buyer.canonical, item.fakturanummer]
                    )
                else {
                    errors.append(
                        FieldError(field, "no claimed case for \(buyer.masked) on invoice \(item.fakturanummer)")
                    )
                    continue
                }
                // Whole kronor from outside: any Int64, so the conversion to öre is checked.
                let (approved, overflow) = item.godkantBelopp.multipliedReportingOverflow(by: 100)
                if overflow || approved < 0 || approved > claim.share {
                    errors.append(
                        FieldError("\(field).godkantBelopp", "must be between 0 and the requested \(claim.share / 100)")
                    )
                    continue
                }
                decided.append((claim, approved, decision.referensnummer))
            }
        }
        guard errors.isEmpty else { return try context.reject(errors) }
        for (claim, approved, reference) in decided {
            var updated = claim
            updated.status = .decided
            updated.approved = approved
            try updated.update(context.db)
            // A credit after the file was sent lowered what stands: the buyer owes only the refused part of that,
            // and the creditor owes back whatever Skatteverket pays beyond it.
            try context.publish(
                ClaimDecided(
                    claimID: claim.id,
                    invoiceID: claim.invoiceID,
                    creditorID: claim.creditorID,
                    buyer: claim.buyer,
                    requested: Money(minorUnits: claim.share, .sek),
                    approved: Money(minorUnits: approved, .sek),
                    owedByBuyer: Money(minorUnits: max(0, claim.standingShare - approved), .sek),
                    referenceNumber: reference
                )
            )
            try updated.reportRepayment(changedFrom: claim.repayment, creditInvoiceID: nil, context: context)
        }
    }
}
