import Foundation
import KvittContracts

/// One ROT or RUT invoice of the fault-injection workload, as the driver makes it: labour with its hours, work type
/// and work period, a cost that gives no reduction (material for ROT, an `other` cost for RUT), and private buyers
/// with valid test personnummer (two owners of the house for ROT, one buyer for RUT).
///
/// The prices make every figure whole kronor, so that the audit's expectations are exact without repeating any
/// rounding: ROT labour 600 kr an hour, RUT 400 kr, 25 % VAT, an even number of hours split evenly between the buyers.
struct TaxReductionWork: Sendable {
    enum Kind: String, Sendable { case rot, rut }

    /// Skatteverket's verdict on one buyer's claim, as the driver's decision gives it.
    enum Verdict: Sendable, CaseIterable {
        case approvedInFull, partlyApproved, refused
    }

    /// The invoice's position in the run's creation order.
    let index: Int
    /// Which of the run's ROT/RUT invoices it is (0, 1, 2, …): chooses the kind, the hours and the verdicts.
    let serial: Int
    let kind: Kind
    /// Hours of labour, always even.
    let hours: Int
    /// The buyers' personnummer, canonical (`YYYYMMDDNNNC`).
    let buyers: [String]

    /// ROT's material, or RUT's other cost, excluding VAT (öre).
    static let materialCost: Int64 = 80_000
    static let otherCost: Int64 = 20_000

    init(index: Int, serial: Int) {
        self.index = index
        self.serial = serial
        kind = serial % 2 == 0 ? .rot : .rut
        hours = 4 + 2 * (serial % 4)
        buyers = (0..<(kind == .rot ? 2 : 1)).map { Self.personnummer(2 * index + $0) }
    }

    /// Labour including VAT per buyer (öre).
    var labourPerBuyer: Int64 { Int64(hours) * (kind == .rot ? 75_000 : 50_000) / Int64(buyers.count) }

    /// Each buyer's reduction (öre): ROT 30 %, RUT 50 % of the buyer's labour, whole kronor by the choice of prices.
    var share: Int64 { labourPerBuyer * (kind == .rot ? 30 : 50) / 100 }

    /// The invoice's total including VAT (öre).
    var total: Int64 {
        labourPerBuyer * Int64(buyers.count) + (kind == .rot ? Self.materialCost : Self.otherCost) * 5 / 4
    }

    /// What the buyers pay: the total less the reduction (öre).
    var amountDue: Int64 { total - share * Int64(buyers.count) }

    /// Mixes the verdicts over the buyers and invoices: each kind gets every verdict.
    func verdict(_ position: Int) -> Verdict { Verdict.allCases[(serial / 2 + position) % Verdict.allCases.count] }

    /// What Skatteverket approves of a claim that asks `requested` (öre): all, half (whole kronor), or nothing.
    static func approved(_ verdict: Verdict, requested: Int64) -> Int64 {
        switch verdict {
        case .approvedInFull: requested
        case .partlyApproved: requested / 2 / 100 * 100
        case .refused: 0
        }
    }

    /// The buyer `canonical` as tax-reduction's read API shows it: `YYYYMMDD-****`.
    static func masked(_ canonical: String) -> String { String(canonical.prefix(8)) + "-****" }

    /// The buyer's position on the invoice, found by the masked number the read API shows (the buyers of one invoice
    /// are born on different days, so the masked numbers tell them apart).
    func position(ofMasked masked: String) -> Int? { buyers.firstIndex { Self.masked($0) == masked } }

    /// A valid test personnummer, different for every `number` below 20,160 × 900: born 1940–1999 on day 1–28 of a
    /// month, so an adult in every year the run can reach, with the Luhn check digit worked out here.
    static func personnummer(_ number: Int) -> String {
        let year = 1940 + (number / 336) % 60
        let month = (number / 28) % 12 + 1
        let day = number % 28 + 1
        let birthNumber = 100 + (number / 20_160) % 900
        let digits = String(format: "%02d%02d%02d%03d", year % 100, month, day, birthNumber)
        var sum = 0
        for (offset, character) in digits.enumerated() {
            let digit = (character.wholeNumberValue ?? 0) * (offset % 2 == 0 ? 2 : 1)
            sum += digit > 9 ? digit - 9 : digit
        }
        return "\(year / 100)\(digits)\((10 - sum % 10) % 10)"
    }

    /// `YYYYMMDD-NNNC`, as a buyer writes it on an order.
    static func formatted(_ canonical: String) -> String { "\(canonical.prefix(8))-\(canonical.dropFirst(8))" }

    /// The invoice, dated `today`, for work done in the week before.
    func command(creditorID: String, today: CalendarDate) -> CreateInvoice {
        let labour = CreateInvoice.Line(
            description: kind == .rot ? "Altanbygge" : "Hemstädning",
            quantity: DecimalQuantity(units: Int64(hours), scale: 0),
            unit: "tim",
            unitPrice: kind == .rot ? 60_000 : 40_000,
            vatRate: 25,
            taxReduction: .init(
                kind: kind.rawValue,
                workType: kind == .rot ? "Bygg" : "Stadning",
                hours: DecimalQuantity(units: Int64(hours), scale: 0)
            )
        )
        let cost = CreateInvoice.Line(
            description: kind == .rot ? "Virke och beslag" : "Resa och utrustning",
            quantity: DecimalQuantity(units: 1, scale: 0),
            unit: "st",
            unitPrice: kind == .rot ? Self.materialCost : Self.otherCost,
            vatRate: 25,
            costKind: kind == .rot ? .material : .other
        )
        return CreateInvoice(
            creditorID: creditorID,
            externalID: "chaos-\(index)",
            debtor: Debtor(
                kind: "private",
                name: "Köpare \(index)",
                identityNumber: Self.formatted(buyers[0]),
                address: .init(street: "Storgatan \(index % 90 + 1)", postalCode: "753 20", city: "Uppsala")
            ),
            currency: "SEK",
            invoiceDate: today,
            lines: [labour, cost],
            taxReduction: .init(
                buyers: buyers.map(Self.formatted),
                hoursToReport: hours,
                propertyDesignation: kind == .rot ? "Uppsala Kåbo \(index % 50 + 1):\(index % 9 + 1)" : nil,
                workPeriod: .init(from: today.adding(days: -7), through: today.adding(days: -1))
            )
        )
    }
}

/// The driver's side of the ROT/RUT claims: the run's ROT/RUT invoices, the claim files and decisions it asked for,
/// and what it decided, for the audit.
struct ClaimDesk: Sendable {
    /// A ROT/RUT invoice once issued.
    struct Invoice: Sendable {
        let work: TaxReductionWork
        /// The invoice number that Skatteverket's decision names.
        let number: String
    }

    /// The decision the driver sent for one buyer's claim.
    struct Decision: Sendable {
        let invoiceID: String
        /// Canonical personnummer.
        let buyer: String
        let verdict: TaxReductionWork.Verdict
        let requested: Int64
        let approved: Int64
    }

    /// By invoice id.
    var invoices: [String: Invoice] = [:]
    /// By claim id: what the driver decided.
    var decisions: [String: Decision] = [:]
    /// When a claim file was last asked for, by kind and payment year, and the requestable claims it was asked for:
    /// the same claims are asked for again only after a while, since the command may still wait in the queue of a
    /// service that is down; newly requestable claims at once.
    var fileRequests: [String: (at: ContinuousClock.Instant, claims: Set<String>)] = [:]
    var fileCommands = 0
    var decisionCommands = 0

    /// One claim per buyer of every ROT/RUT invoice.
    var expectedClaims: Int { invoices.values.reduce(0) { $0 + $1.work.buyers.count } }

    func count(_ verdict: TaxReductionWork.Verdict) -> Int { decisions.values.filter { $0.verdict == verdict }.count }
}

extension FaultInjectionRun {
    /// Skatteverket's decisions name the creditor as the performer: 16 and its organisationsnummer.
    static let performer = "165566778899"
    /// Invoicing's drafts of what a buyer owes after Skatteverket's decision have this external id, with the claim id.
    static let remainderPrefix = "skatteverket-"

    /// One pass over tax-reduction's claims: a claim file for each kind and payment year with requestable claims of
    /// the run, and one decision for every claim in a file that the driver has not yet decided. Sends and returns at
    /// once: the rounds go on meanwhile, so that the nemeses meet claim files and decisions too.
    /// - Returns: whether every buyer's claim of every ROT/RUT invoice is decided.
    func advanceClaims(_ desk: inout ClaimDesk, _ sender: CommandSender, _ reader: ReadAPI) async throws -> Bool {
        guard !desk.invoices.isEmpty else { return true }
        guard let claims = await reader.claims() else { return false }
        let ours = claims.filter { desk.invoices[$0.invoiceID] != nil }
        let now = ContinuousClock.now
        let requestable = Dictionary(grouping: ours.filter { $0.status == "requestable" }) { "\($0.kind) \($0.year)" }
        for (key, group) in requestable.sorted(by: { $0.key < $1.key }) {
            let claimIDs = Set(group.map(\.id))
            if let last = desk.fileRequests[key], claimIDs.isSubset(of: last.claims), now - last.at < .seconds(10) {
                continue
            }
            desk.fileRequests[key] = (now, claimIDs)
            desk.fileCommands += 1
            try await sender.send(
                GenerateClaimFile(
                    creditorID: Self.creditorID,
                    kind: group[0].kind,
                    year: group[0].year,
                    name: "\(group[0].kind.uppercased()) \(group[0].year) \(desk.fileCommands)"
                )
            )
        }
        // A decision is refused whole when one of its cases is not a claimed claim, so each claim is decided once.
        var cases: [RecordDecision.Case] = []
        var year = 0
        for claim in ours where claim.status == "claimed" && desk.decisions[claim.id] == nil {
            guard let invoice = desk.invoices[claim.invoiceID],
                let position = invoice.work.position(ofMasked: claim.buyer)
            else { continue }
            let verdict = invoice.work.verdict(position)
            let approved = TaxReductionWork.approved(verdict, requested: claim.requested.amount)
            let buyer = invoice.work.buyers[position]
            desk.decisions[claim.id] = .init(
                invoiceID: claim.invoiceID,
                buyer: buyer,
                verdict: verdict,
                requested: claim.requested.amount,
                approved: approved
            )
            cases.append(.init(personnummer: buyer, fakturanummer: invoice.number, godkantBelopp: approved / 100))
            year = claim.year
        }
        if !cases.isEmpty {
            desk.decisionCommands += 1
            try await sender.send(
                RecordDecision(
                    utforare: Self.performer,
                    beslut: [
                        .init(
                            referensnummer: String(format: "%04d%07d-01", year, desk.decisionCommands),
                            arenden: cases
                        )
                    ]
                )
            )
        }
        return ours.count == desk.expectedClaims && ours.allSatisfy { $0.status == "decided" }
    }

    /// After the rounds: passes over the claims until every one is decided, or five minutes have gone.
    func settleClaims(_ desk: inout ClaimDesk, _ sender: CommandSender, _ reader: ReadAPI) async throws {
        guard !desk.invoices.isEmpty else { return }
        progress("ROT/RUT: claim files and decisions until all \(desk.expectedClaims) buyers' claims are decided")
        let started = ContinuousClock.now
        while ContinuousClock.now < started + .seconds(300) {
            if try await advanceClaims(&desk, sender, reader) {
                progress(
                    "ROT/RUT: every claim decided after \(String(format: "%.1f", (ContinuousClock.now - started).secondsValue)) s"
                )
                return
            }
            try await Task.sleep(for: .seconds(1))
        }
        progress("not every ROT/RUT claim was decided within 5 minutes; the audit says which")
    }

    /// The ROT/RUT books against what the driver sent: each invoice issued at its total less the reduction, one
    /// claim per buyer at the buyer's share, in exactly one claim file, decided once as the driver decided it, and
    /// invoicing's draft of what the buyer owes exactly once for each claim approved in part or refused, at that
    /// amount and to that buyer, and for no other.
    func auditClaims(_ desk: ClaimDesk, _ issued: [Issued], _ reader: ReadAPI) async -> [String] {
        guard !desk.invoices.isEmpty else { return [] }
        guard let claims = await reader.claims(), let files = await reader.claimFiles(),
            let drafts = await reader.drafts()
        else { return ["tax-reduction's claims or files, or invoicing's drafts, could not be read"] }
        var violations: [String] = []
        for invoice in issued {
            guard let work = desk.invoices[invoice.id]?.work, invoice.amountDue != work.amountDue else { continue }
            violations.append(
                "ROT/RUT \(invoice.ocr): issued with \(invoice.amountDue) due; expected \(work.amountDue)"
            )
        }
        let fileIDs = Set(files.map(\.id))
        let byInvoice = Dictionary(grouping: claims, by: \.invoiceID)
        for invoiceID in byInvoice.keys.sorted() where desk.invoices[invoiceID] == nil {
            violations.append("tax-reduction holds claims for \(invoiceID), which the run never made ROT/RUT")
        }
        /// By external id: what the buyer owes, and who.
        var owedByBuyer: [String: (amount: Int64, buyer: String)] = [:]
        for (invoiceID, invoice) in desk.invoices.sorted(by: { $0.key < $1.key }) {
            let label = "\(invoice.work.kind.rawValue.uppercased()) invoice \(invoice.number)"
            let found = byInvoice[invoiceID] ?? []
            if found.count != invoice.work.buyers.count {
                violations.append("\(label): \(found.count) claims for \(invoice.work.buyers.count) buyers")
            }
            for buyer in invoice.work.buyers {
                let masked = TaxReductionWork.masked(buyer)
                let copies = found.filter { $0.buyer == masked }
                guard copies.count == 1, let claim = copies.first else {
                    violations.append("\(label): \(copies.count) claims for buyer \(masked)")
                    continue
                }
                if claim.requested.amount != invoice.work.share {
                    violations.append(
                        "\(label), \(masked): requested \(claim.requested); expected \(invoice.work.share)"
                    )
                }
                guard claim.status == "decided" else {
                    violations.append("\(label), \(masked): claim \(claim.id) is \(claim.status), not decided")
                    continue
                }
                if !(claim.fileID.map(fileIDs.contains) ?? false) {
                    violations.append("\(label), \(masked): claim file \(claim.fileID ?? "(none)") is not listed")
                }
                if claim.billedToBuyer != nil || claim.repaymentDue != nil {
                    violations.append("\(label), \(masked): billed to buyer or repayment due, neither expected")
                }
                guard let decision = desk.decisions[claim.id] else {
                    violations.append("\(label), \(masked): decided, but the driver sent no decision for it")
                    continue
                }
                if claim.approved?.amount != decision.approved {
                    violations.append(
                        "\(label), \(masked): approved \(claim.approved.map(\.description) ?? "nothing"); "
                            + "decided \(decision.approved)"
                    )
                }
                let owed = claim.requested.amount - decision.approved
                if owed > 0 { owedByBuyer[Self.remainderPrefix + claim.id] = (owed, buyer) }
            }
        }
        let remainders = Dictionary(grouping: drafts.filter { $0.externalID.hasPrefix(Self.remainderPrefix) }) {
            $0.externalID
        }
        for (externalID, copies) in remainders.sorted(by: { $0.key < $1.key }) {
            guard let owed = owedByBuyer[externalID] else {
                violations.append("remainder \(externalID) drafted for a claim approved in full or never decided")
                continue
            }
            if copies.count != 1 { violations.append("remainder \(externalID) drafted \(copies.count) times") }
            for copy in copies {
                let debtor = copy.debtor.identityNumber.flatMap { try? Personnummer(parsing: $0).canonical }
                if copy.totals.total.amount != owed.amount || debtor != owed.buyer {
                    violations.append(
                        "remainder \(externalID): \(copy.totals.total) to \(copy.debtor.identityNumber.map(TaxReductionWork.masked) ?? "nobody"); "
                            + "expected \(owed.amount) to \(TaxReductionWork.masked(owed.buyer))"
                    )
                }
            }
        }
        for externalID in owedByBuyer.keys.sorted() where remainders[externalID] == nil {
            violations.append("remainder \(externalID) was never drafted")
        }
        // The slower checks once the lists agree: the files themselves, and invoicing's history of each decision.
        if violations.isEmpty {
            violations += await auditClaimFiles(files, desk, reader)
            violations += await auditDecisionHistory(desk, reader)
        }
        return violations
    }

    /// Each buyer's claim in exactly one of the claim files Skatteverket gets, read from the XML itself.
    private func auditClaimFiles(
        _ files: [ReadAPI.ClaimFile],
        _ desk: ClaimDesk,
        _ reader: ReadAPI
    ) async -> [String] {
        var cases: [String: Int] = [:]
        for file in files {
            guard let xml = await reader.claimFileXML(file.downloadPath) else {
                return ["claim file \(file.id) could not be downloaded"]
            }
            // Each <Arenden> names its buyer first and its invoice number a few elements later.
            for part in xml.components(separatedBy: "<Kopare>").dropFirst() {
                let buyer = part.prefix { $0 != "<" }
                guard let start = part.range(of: "<FakturaNr>") else { continue }
                let number = part[start.upperBound...].prefix { $0 != "<" }
                cases["\(buyer)/\(number)", default: 0] += 1
            }
        }
        var violations: [String] = []
        var expected: Set<String> = []
        for invoice in desk.invoices.values {
            for buyer in invoice.work.buyers {
                let key = "\(buyer)/\(invoice.number)"
                expected.insert(key)
                let count = cases[key, default: 0]
                if count != 1 {
                    violations.append(
                        "invoice \(invoice.number), buyer \(TaxReductionWork.masked(buyer)): in \(count) claim files"
                    )
                }
            }
        }
        for key in cases.keys where !expected.contains(key) {
            violations.append(
                "a claim file holds a case the run never made: invoice \(key.split(separator: "/").last ?? "")"
            )
        }
        return violations
    }

    /// Invoicing applied each decision that left the buyer owing exactly once: one `claim-decided` line in the
    /// invoice's history per such buyer.
    private func auditDecisionHistory(_ desk: ClaimDesk, _ reader: ReadAPI) async -> [String] {
        var owing: [String: Int] = [:]
        for decision in desk.decisions.values where decision.approved < decision.requested {
            owing[decision.invoiceID, default: 0] += 1
        }
        var violations: [String] = []
        for (invoiceID, count) in owing.sorted(by: { $0.key < $1.key }) {
            guard let history = await reader.invoice(invoiceID)?.history else {
                return ["invoicing's history of \(invoiceID) could not be read"]
            }
            let applied = history.filter { $0.event == "claim-decided" }.count
            if applied != count {
                violations.append("invoice \(invoiceID): \(applied) decisions applied for \(count) buyers owing")
            }
        }
        return violations
    }
}
