import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import TaxReduction

/// Tax-reduction's handlers in memory: allocation, caps across invoices, rejection, payment, claim files, decisions.
@Suite("Tax-reduction handlers (in memory)")
struct TaxReductionFlowTests {
    func harness() throws -> ServiceHarness {
        try ServiceHarness(
            name: "tax-reduction",
            migrations: { TaxReductionSchema.register(&$0) },
            handlers: { TaxReductionService.registerHandlers(&$0) }
        )
    }

    static func created(
        _ invoiceID: String,
        kind: String = "rot",
        labour: Int64,
        buyers: [String],
        hours: Int = 10,
        date: String = "2026-03-02",
        property: String? = "Uppsala Kåbo 1:1"
    ) -> InvoiceCreated {
        let line = CreateInvoice.Line(
            description: "Arbete",
            quantity: DecimalQuantity("1")!,
            unitPrice: labour * 4 / 5,
            vatRate: 25,
            taxReduction: .init(
                kind: kind,
                workType: kind == "rot" ? "Bygg" : "Stadning",
                hours: DecimalQuantity("\(hours)")
            )
        )
        let labourMoney = Money(minorUnits: labour, .sek)
        return InvoiceCreated(
            invoiceID: invoiceID,
            creditorID: "acme",
            externalID: invoiceID,
            kind: "debit",
            debtor: Debtor(kind: "private", name: "Anna", identityNumber: buyers[0]),
            invoiceDate: CalendarDate(date)!,
            dueDate: CalendarDate(date)!.adding(days: 30),
            lines: [
                PricedLine(
                    line: line,
                    net: Money(minorUnits: labour * 4 / 5, .sek),
                    vat: Money(minorUnits: labour / 5, .sek)
                )
            ],
            totals: InvoiceTotals(net: labourMoney, vat: [], rounding: .zero(.sek), total: labourMoney),
            taxReduction: TaxReductionDetail(
                kind: kind,
                labourCostIncludingVAT: labourMoney,
                materialCost: .zero(.sek),
                workTypes: [
                    .init(
                        workType: kind == "rot" ? "Bygg" : "Stadning",
                        hours: DecimalQuantity("\(hours)")!,
                        materialCost: .zero(.sek)
                    )
                ],
                request: .init(
                    buyers: buyers,
                    hoursToReport: hours,
                    propertyDesignation: kind == "rot" ? property : nil
                )
            )
        )
    }

    /// Invoicing issued a ROT invoice: the buyer owes the total less the reduction.
    static func issued(_ invoiceID: String, number: String, ocr: String, total: Int64, reduction: Int64)
        -> InvoiceIssued
    {
        InvoiceIssued(
            invoiceID: invoiceID,
            creditorID: "acme",
            invoiceNumber: number,
            ocr: ocr,
            kind: "debit",
            invoiceDate: CalendarDate("2026-03-02")!,
            dueDate: CalendarDate("2026-04-01")!,
            total: Money(minorUnits: total, .sek),
            taxReduction: Money(minorUnits: reduction, .sek),
            amountDue: Money(minorUnits: total - reduction, .sek),
            debtor: Debtor(kind: "private", name: "Anna"),
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: ocr,
                reconcilableFromBankgiro: true
            )
        )
    }

    @Test func allocationCapsAcrossInvoicesAndRejections() async throws {
        let service = try harness()
        let first = try #require(
            try await service.send(Self.created("inv-1", kind: "rut", labour: 14_000_000, buyers: ["19811218-9876"]))
                .first(ReductionAllocated.self)
        )
        #expect(first.total == Money(minorUnits: 7_000_000, .sek))
        // A second RUT invoice in the same year finds only 5 000 kr left of the 75 000 kr cap.
        let second = try #require(
            try await service.send(Self.created("inv-2", kind: "rut", labour: 4_000_000, buyers: ["19811218-9876"]))
                .first(ReductionAllocated.self)
        )
        #expect(second.total == Money(minorUnits: 500_000, .sek))
        #expect(second.buyers[0].capWarning != nil)

        let minor = try await service.send(Self.created("inv-3", labour: 100_000, buyers: ["20150101-0019"]))
        let rejected = try #require(try minor.first(ReductionRejected.self))
        #expect(rejected.reason.contains("under 18"))
        #expect(!rejected.reason.contains("0019"))
        let noProperty = try await service.send(
            Self.created("inv-4", labour: 100_000, buyers: ["19811218-9876"], property: nil)
        )
        #expect(
            try noProperty.first(ReductionRejected.self)?.errors.map(\.field) == ["taxReduction.propertyDesignation"]
        )

        try await service.send(
            CreditorRegistered(
                creditor: RegisterCreditor(
                    creditorID: "acme",
                    name: "Acme",
                    organisationNumber: "19811218-9876",
                    bankgiro: "5050-1055",
                    reminderFeeAgreed: false,
                    paymentTermsDays: 30,
                    ocrControl: .init(level: "hard"),
                    invoiceNumberSeries: .init(start: 1)
                )
            )
        )
        let selfBuyer = try await service.send(Self.created("inv-5", labour: 100_000, buyers: ["19811218-9876"]))
        #expect(try selfBuyer.first(ReductionRejected.self)?.reason.contains("is the provider") == true)
    }

    @Test func paidClaimsBecomeAValidClaimFileAndDecisionsBillTheRefusedPart() async throws {
        let service = try harness()
        // ROT: labour 40 000 kr incl. VAT, two buyers, 30 % = 12 000 kr, 6 000 each.
        let allocated = try #require(
            try await service.send(
                Self.created("inv-1", labour: 4_000_000, buyers: ["19811218-9876", "19800101-0019"])
            )
            .first(ReductionAllocated.self)
        )
        #expect(allocated.buyers.map(\.amount.amount) == [600_000, 600_000])
        let noneYet = try await service.send(
            GenerateClaimFile(creditorID: "acme", kind: "rot", year: 2026, name: "Mars")
        )
        #expect(noneYet.rejection(TaxReductionCommandRejected.self)?.errors.first?.field == "year")

        try await service.send(
            Self.issued("inv-1", number: "1001", ocr: "10017", total: 4_000_000, reduction: 1_200_000)
        )
        try await service.send(
            InvoicePaid(
                invoiceID: "inv-1",
                paid: Money(minorUnits: 2_800_000, .sek),
                paymentDate: CalendarDate("2026-03-20")!
            )
        )
        let generated = try await service.send(
            GenerateClaimFile(creditorID: "acme", kind: "rot", year: 2026, name: "Mars")
        )
        let file = try #require(try generated.first(ClaimFileGenerated.self))
        #expect(file.claims.count == 2)
        #expect(file.deadline == CalendarDate("2027-01-31"))
        #expect(file.claims.allSatisfy { $0.buyer.hasSuffix("-****") })
        let xml = try #require(
            try await service.store.writer.read { db in try ClaimFileRecord.fetchOne(db, key: file.fileID)?.xml }
        )
        #expect(xml.contains("<PrisForArbete>20000</PrisForArbete>"))
        #expect(xml.contains("<BetaltBelopp>14000</BetaltBelopp>"))
        #expect(xml.contains("<BegartBelopp>6000</BegartBelopp>"))
        #expect(try SchemaValidation.validate(xml).status == 0, "the file validates against Skatteverket's V6 schema")

        let decision = RecordDecision(
            utforare: "165566778899",
            beslut: [
                .init(
                    referensnummer: "20260000185-01",
                    arenden: [
                        .init(personnummer: "198112189876", fakturanummer: "1001", godkantBelopp: 6000),
                        .init(personnummer: "198001010019", fakturanummer: "1001", godkantBelopp: 4000),
                    ]
                )
            ]
        )
        let decided = try await service.send(decision).all(ClaimDecided.self)
        #expect(decided.map(\.owedByBuyer.amount) == [0, 200_000])
        #expect(decided.map(\.referenceNumber) == ["20260000185-01", "20260000185-01"])
        let again = try await service.send(decision)
        #expect(again.rejection(TaxReductionCommandRejected.self) != nil, "a decided claim is not decided twice")

        // All the labour is credited after the decision: nothing of either buyer's reduction stands, so the creditor
        // owes back what Skatteverket paid: 6 000 kr for the first, 4 000 kr (all it approved) for the second.
        let repayments = try await service.send(
            InvoiceCredited(
                invoiceID: "inv-1",
                creditInvoiceID: "credit-1",
                amount: Money(minorUnits: 2_800_000, .sek),
                taxReductionCredited: Money(minorUnits: 1_200_000, .sek),
                labourCredited: Money(minorUnits: 4_000_000, .sek),
                taxReductionStanding: [
                    .init(personnummer: "198112189876", reduction: .zero(.sek), labour: .zero(.sek)),
                    .init(personnummer: "198001010019", reduction: .zero(.sek), labour: .zero(.sek)),
                ]
            )
        )
        .all(ReductionRepaymentDue.self)
        #expect(repayments.map(\.owed.amount) == [600_000, 400_000])
        #expect(repayments.allSatisfy { $0.claimStatus == "decided" && $0.invoiceNumber == "1001" })
    }

    @Test func aCreditBeforeTheFileLowersTheClaimAndAfterItWhatIsOwedFollowsTheDecision() async throws {
        let service = try harness()
        // ROT on 10 000 kr of labour for two buyers: 1 500 kr each on 5 000 kr, 5 hours each.
        try await service.send(Self.created("inv-2", labour: 1_000_000, buyers: ["19811218-9876", "19800101-0019"]))
        @discardableResult
        func credit(_ id: String, standing: [(Int64, Int64)]) async throws -> ServiceHarness.Published {
            try await service.send(
                InvoiceCredited(
                    invoiceID: "inv-2",
                    creditInvoiceID: id,
                    amount: Money(minorUnits: 1, .sek),
                    taxReductionStanding: zip(["198112189876", "198001010019"], standing).map {
                        .init(
                            personnummer: $0,
                            reduction: Money(minorUnits: $1.0, .sek),
                            labour: Money(minorUnits: $1.1, .sek)
                        )
                    }
                )
            )
        }
        func claims() async throws -> [ClaimRecord] {
            try await service.store.writer.read { db in
                try ClaimRecord.fetchAll(db, sql: "SELECT * FROM claim WHERE invoiceID = 'inv-2' ORDER BY rowid")
            }
        }
        // 3 000 kr of labour credited: 1 050 kr stands on 3 500 kr for each, 3 hours of the 5.
        try await credit("c-1", standing: [(105_000, 350_000), (105_000, 350_000)])
        #expect(try await claims().map(\.share) == [105_000, 105_000])
        #expect(try await claims().map(\.labour) == [350_000, 350_000])
        #expect(try await claims().map(\.hours) == [3, 3])
        // The work each buyer reports (half of the invoice's 10 hours, never the whole) keeps the same proportion.
        let works = try await claims().map(\.work)
        #expect(works.allSatisfy { $0.contains(#""hours":3"#) }, "\(works)")

        // Paid and sent to Skatteverket: a credit now leaves what was asked, and the creditor owes the difference.
        try await service.send(
            Self.issued("inv-2", number: "1002", ocr: "10025", total: 700_000, reduction: 210_000)
        )
        try await service.send(
            InvoicePaid(
                invoiceID: "inv-2",
                paid: Money(minorUnits: 490_000, .sek),
                paymentDate: CalendarDate("2026-03-20")!
            )
        )
        #expect(try await claims().map(\.paidAmount) == [245_000, 245_000])
        try await service.send(GenerateClaimFile(creditorID: "acme", kind: "rot", year: 2026, name: "April"))
        let owed = try await credit("c-2", standing: [(0, 0), (0, 0)]).all(ReductionRepaymentDue.self)
        #expect(owed.map(\.owed.amount) == [105_000, 105_000])
        #expect(owed.allSatisfy { $0.claimStatus == "claimed" && $0.creditInvoiceID == "c-2" })
        #expect(try await claims().map(\.share) == [105_000, 105_000], "what was asked stays as asked")

        // Skatteverket approves 1 050 kr for the first buyer and 600 kr for the second: the buyers owe nothing (no
        // reduction stands for them), and the creditor owes back exactly what was paid.
        let decision = try await service.send(
            RecordDecision(
                utforare: "165566778899",
                beslut: [
                    .init(
                        referensnummer: "20260000190-01",
                        arenden: [
                            .init(personnummer: "198112189876", fakturanummer: "1002", godkantBelopp: 1050),
                            .init(personnummer: "198001010019", fakturanummer: "1002", godkantBelopp: 600),
                        ]
                    )
                ]
            )
        )
        #expect(try decision.all(ClaimDecided.self).map(\.owedByBuyer.amount) == [0, 0])
        let settled = try decision.all(ReductionRepaymentDue.self)
        #expect(settled.map(\.owed.amount) == [60_000], "only the second changed: 600 kr, not 1 050 kr")
        #expect(settled.first?.creditInvoiceID == nil && settled.first?.claimStatus == "decided")
        #expect(try await claims().map(\.repayment) == [105_000, 60_000])
        // Nothing stands for either buyer, whatever Skatteverket paid: nothing counts against their caps.
        let used = try await service.store.writer.read { db in try ClaimRecord.capUsed(by: "198001010019", in: 2026, db)
        }
        #expect(used.rot == 0)
    }

    @Test func aFullCreditBeforeTheFileWithdrawsTheClaims() async throws {
        let service = try harness()
        try await service.send(Self.created("inv-3", labour: 1_000_000, buyers: ["19811218-9876"]))
        try await service.send(
            InvoiceCredited(
                invoiceID: "inv-3",
                creditInvoiceID: "c-3",
                amount: Money(minorUnits: 700_000, .sek),
                taxReductionStanding: [.init(personnummer: "198112189876", reduction: .zero(.sek), labour: .zero(.sek))]
            )
        )
        let claim = try await service.store.writer.read { db in
            try ClaimRecord.fetchOne(db, sql: "SELECT * FROM claim WHERE invoiceID = 'inv-3'")
        }
        #expect(claim?.status == .withdrawn)
        let used = try await service.store.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT SUM(share) FROM claim WHERE buyer = '198112189876'")
        }
        #expect(used == 0, "the buyer's annual cap is free again")
    }

    /// Half paid in December 2025, the rest in January 2026: a claim per payment year, and a later credit is taken
    /// from what is not yet sent, the latest first, so that the claims together keep what invoicing says stands.
    @Test func paymentsAcrossAYearEndMakeAClaimPerYearAndACreditLowersThemTogether() async throws {
        let service = try harness()
        // RUT 50 % on 10 000 kr of labour, 10 hours; due 2025-12-31.
        try await service.send(
            Self.created("inv-9", kind: "rut", labour: 1_000_000, buyers: ["19811218-9876"], date: "2025-12-01")
        )
        try await service.send(
            InvoicePartiallyPaid(
                invoiceID: "inv-9",
                amount: Money(minorUnits: 250_000, .sek),
                remaining: Money(minorUnits: 250_000, .sek),
                paymentDate: CalendarDate("2025-12-20")!
            )
        )
        try await service.send(
            InvoicePaid(
                invoiceID: "inv-9",
                paid: Money(minorUnits: 500_000, .sek),
                paymentDate: CalendarDate("2026-01-05")!
            )
        )
        func claims() async throws -> [ClaimRecord] {
            try await service.store.writer.read { db in
                try ClaimRecord.fetchAll(db, sql: "SELECT * FROM claim WHERE invoiceID = 'inv-9' ORDER BY year")
            }
        }
        let paid = try await claims()
        #expect(paid.map(\.year) == [2025, 2026])
        #expect(paid.map(\.status) == [.requestable, .requestable])
        #expect(paid.map(\.paymentDate) == ["2025-12-20", "2026-01-05"])
        #expect(paid.map(\.labour) == [500_000, 500_000] && paid.map(\.share) == [250_000, 250_000])
        #expect(paid.map(\.paidAmount) == [250_000, 250_000])
        #expect(paid.map(\.hours) == [5, 5])

        // A credit leaves 3 000 kr of reduction on 6 000 kr of labour: the 2026 claim gives up what it can first.
        try await service.send(
            InvoiceCredited(
                invoiceID: "inv-9",
                creditInvoiceID: "c-9",
                amount: Money(minorUnits: 1, .sek),
                taxReductionStanding: [
                    .init(
                        personnummer: "198112189876",
                        reduction: Money(minorUnits: 300_000, .sek),
                        labour: Money(minorUnits: 600_000, .sek)
                    )
                ]
            )
        )
        let credited = try await claims()
        #expect(credited.map(\.share) == [250_000, 50_000])
        #expect(credited.map(\.labour) == [500_000, 100_000])
        #expect(credited.reduce(0) { $0 + $1.share } == 300_000)
    }
}
