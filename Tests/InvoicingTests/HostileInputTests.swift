import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

extension ServiceHarness.Published {
    /// The reason code of a permanent failure (`amount-out-of-range`), or `nil` when the message was not parked so.
    var permanentFailureReason: String? {
        guard case .deadLetter(.permanentFailure, let detail) = outcome else { return nil }
        return detail.split(separator: ":").first.map(String.init)
    }
}

extension InvoicingHarness {
    /// Sends `body` as a message of `type`, as an outside publisher could, and returns what became of it.
    func sendRaw(_ body: String, as type: MessageType) async -> ProcessingOutcome {
        let message = IncomingMessage(
            messageID: UUID().uuidString,
            type: type.rawValue,
            body: Array(body.utf8),
            routingKey: type.rawValue
        )
        return await harness.processor.process([message])[0]
    }

    /// A registered creditor and an attested invoice (11 875 kr) of it.
    func issuedInvoice() async throws -> InvoiceCreated {
        try await send(InvoicingHarness.creditor())
        let created = try #require(try await send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        #expect(try await send(AttestInvoice(invoiceID: created.invoiceID)).first(InvoiceIssued.self) != nil)
        return created
    }
}

private func line(_ quantity: String, unitPrice: Int64, vatRate: Int = 25) throws -> CreateInvoice.Line {
    CreateInvoice.Line(
        description: "Rad",
        quantity: try #require(DecimalQuantity(quantity)),
        unitPrice: unitPrice,
        vatRate: vatRate
    )
}

private func sek(_ amount: Int64) -> Money { Money(minorUnits: amount, .sek) }

@Suite("Hostile input to invoicing: commands")
struct InvoicingHostileCommandTests {
    @Test(arguments: [("1", Int64.max), ("2", Int64.max), ("-2", Int64.max), ("1000", Int64.max / 999)])
    func unitPricesNearInt64MaxAreRejectedWithTheField(quantity: String, unitPrice: Int64) async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let result = try await harness.send(InvoicingHarness.invoice(lines: [try line(quantity, unitPrice: unitPrice)]))
        #expect(result.outcome == .processed)
        #expect(result.rejectedFields == ["lines[0].quantity"])
    }

    @Test func linesThatSumBeyondTheLargestInvoiceAreRejected() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        // 4 000 lines just under the per-line limit: their VAT base times 25 % would not fit in 64 bits.
        let lines = try Array(repeating: line("1", unitPrice: InvoicePricing.maximumAmount), count: 4_000)
        let result = try await harness.send(InvoicingHarness.invoice(lines: lines))
        #expect(result.outcome == .processed)
        #expect(result.rejectedFields == ["lines"])
        #expect(result.rejection?.errors.first?.message.contains("largest invoice amount") == true)
    }

    @Test func rotMaterialCostsAndHoursThatOverflowAreRejected() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let largest = InvoicePricing.maximumAmount
        let each = try await harness.send(
            Self.rotInvoice(
                .init(kind: "rot", workType: "Bygg", materialCost: .max),
                .init(kind: "rot", workType: "Bygg", materialCost: .min)
            )
        )
        #expect(each.rejectedFields == ["lines[0].taxReduction.materialCost", "lines[1].taxReduction.materialCost"])
        let summed = try await harness.send(
            Self.rotInvoice(
                .init(kind: "rot", workType: "Bygg", materialCost: largest),
                .init(kind: "rot", workType: "Bygg", materialCost: largest)
            )
        )
        #expect(summed.rejectedFields == ["lines[1].taxReduction.materialCost"])
        let hours = try await harness.send(
            Self.rotInvoice(
                .init(kind: "rot", workType: "Bygg", hours: DecimalQuantity("999999999999999")),
                .init(kind: "rot", workType: "Bygg", hours: DecimalQuantity("0.000001"))
            )
        )
        #expect(hours.rejectedFields == ["lines[1].taxReduction.hours"])
        #expect([each, summed, hours].allSatisfy { $0.outcome == .processed })
    }

    /// A ROT invoice of two labour lines with the given markings.
    static func rotInvoice(
        _ first: CreateInvoice.LineTaxReduction,
        _ second: CreateInvoice.LineTaxReduction
    ) -> CreateInvoice {
        var lines = [
            InvoicingHarness.labourLine("Snickeri", "1", unitPrice: 50_000, kind: "rot", workType: "Bygg"),
            InvoicingHarness.labourLine("Snickeri", "1", unitPrice: 50_000, kind: "rot", workType: "Bygg"),
        ]
        lines[0].taxReduction = first
        lines[1].taxReduction = second
        return InvoicingHarness.invoice(
            lines: lines,
            taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 2, propertyDesignation: "Kåbo 1:1")
        )
    }

    @Test func aDueDateBeyondTheSupportedDatesIsRejected() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        var command = InvoicingHarness.invoice()
        command.invoiceDate = try CalendarDate(parsing: "2199-12-20")
        #expect(try await harness.send(command).rejectedFields == ["invoiceDate"], "the creditor's 30 days")
        command.paymentTermsDays = 30
        #expect(try await harness.send(command).rejectedFields == ["paymentTermsDays"])
        command.paymentTermsDays = 11
        #expect(try await harness.send(command).first(InvoiceCreated.self)?.dueDate == CalendarDate("2199-12-31"))
    }

    @Test func datesBeyondTheSupportedDatesAreParkedAsUndecodable() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let body = String(decoding: try MessageCoding.encode(InvoicingHarness.invoice()), as: UTF8.self)
        let farOff = body.replacingOccurrences(of: "\"2026-03-02\"", with: "\"9999-12-31\"")
        let outcome = await harness.sendRaw(farOff, as: CreateInvoice.messageType)
        guard case .deadLetter(.undecodableBody, let detail) = outcome else {
            Issue.record("expected an undecodable body, got \(outcome)")
            return
        }
        #expect(detail.contains("invoiceDate: outside the supported dates"))
        let dueDate = await harness.sendRaw(
            #"{"invoiceID": "x", "dueDate": "9999-12-31"}"#,
            as: ChangeDueDate.messageType
        )
        #expect(
            dueDate
                == .deadLetter(
                    .undecodableBody,
                    detail:
                        "invoicing.change-due-date.v1: dueDate: outside the supported dates 1900-01-01…2199-12-31, got '9999-12-31'"
                )
        )
    }

    @Test func creditQuantitiesOfManyDigitsAndDecimalsAreRejectedNotTrapped() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        // 13 digits at 1 öre: at six decimals the quantity needs more than 64 bits.
        let original = try #require(
            try await harness.send(
                InvoicingHarness.invoice(lines: [try line("9999999999999", unitPrice: 1, vatRate: 0)])
            )
            .first(InvoiceCreated.self)
        )
        try await harness.send(AttestInvoice(invoiceID: original.invoiceID))
        let whole = try await harness.send(
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "credit-all",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("9999999999999"))]
            )
        )
        #expect(try whole.first(InvoiceCreated.self)?.kind == "credit")
        let tiny = try await harness.send(
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "credit-tiny",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("0.000001"))]
            )
        )
        #expect(tiny.outcome == .processed)
        #expect(tiny.rejectedFields == ["lines[0].quantity"])
    }
}

@Suite("Hostile input to invoicing: forged events from other services")
struct InvoicingForgedEventTests {
    @Test func forgedPaymentsAreParkedNotSummedIntoATrap() async throws {
        let harness = try InvoicingHarness()
        let invoice = try await harness.issuedInvoice()
        func paid(_ amount: Money) async throws -> ServiceHarness.Published {
            try await harness.send(
                PaymentMatched(paymentID: "p", invoiceID: invoice.invoiceID, amount: amount, matchedBy: "ocr")
            )
        }
        #expect(try await paid(sek(.max)).permanentFailureReason == "amount-out-of-range")
        #expect(try await paid(sek(.min)).permanentFailureReason == "amount-out-of-range")
        #expect(try await paid(Money(minorUnits: 100, .eur)).permanentFailureReason == "currency-mismatch")
        #expect(try await paid(sek(900_000_000_000_000_000)).outcome == .processed)
        #expect(try await paid(sek(900_000_000_000_000_000)).permanentFailureReason == "amount-out-of-range")
        let released = try await harness.send(
            PaymentAllocationReleased(paymentID: "p", invoiceID: invoice.invoiceID, amount: sek(.min), reason: "x")
        )
        #expect(released.permanentFailureReason == "amount-out-of-range")
        // What was parked changed nothing: one payment of 9 × 10¹⁷ öre stands.
        #expect(try await harness.record(invoice.invoiceID)?.paid == 900_000_000_000_000_000)
    }

    @Test func forgedFeesAreParked() async throws {
        let harness = try InvoicingHarness()
        let invoice = try await harness.issuedInvoice()
        func fees(_ fees: [Int64], interest: Int64, total: Int64) async throws -> ServiceHarness.Published {
            try await harness.send(
                FeesCharged(
                    invoiceID: invoice.invoiceID,
                    fees: fees.map { .init(kind: "reminder", amount: sek($0)) },
                    interest: sek(interest),
                    total: sek(total)
                )
            )
        }
        #expect(try await fees([], interest: 0, total: .max).permanentFailureReason == "amount-out-of-range")
        #expect(try await fees([.max, .max], interest: 0, total: 1).permanentFailureReason == "amount-out-of-range")
        #expect(try await fees([6_000], interest: 0, total: 7_000).permanentFailureReason == "inconsistent-amounts")
        #expect(try await fees([6_000], interest: 100, total: 6_100).outcome == .processed)
        #expect(try await harness.record(invoice.invoiceID)?.fees == 6_100)
    }

    @Test func forgedReductionAllocationsAreParked() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let draft = try #require(
            try await harness.send(InvoicingHarness.rotInvoice(buyers: ["19811218-9876"], materialPrice: 800_000))
                .first(InvoiceCreated.self)
        )
        func allocate(total: Int64, _ buyers: [(amount: Int64, labour: Int64?)]) async throws
            -> ServiceHarness.Published
        {
            try await harness.send(
                ReductionAllocated(
                    invoiceID: draft.invoiceID,
                    kind: "rot",
                    total: sek(total),
                    buyers: buyers.map {
                        .init(
                            personnummer: "198112189876",
                            amount: sek($0.amount),
                            hours: 20,
                            labour: $0.labour.map(sek)
                        )
                    }
                )
            )
        }
        #expect(try await allocate(total: .max, [(.max, nil)]).permanentFailureReason == "amount-out-of-range")
        #expect(try await allocate(total: 375_000, [(.min, nil)]).permanentFailureReason == "amount-out-of-range")
        #expect(try await allocate(total: 375_000, [(375_000, .min)]).permanentFailureReason == "amount-out-of-range")
        #expect(
            try await allocate(total: 375_000, [(375_000, nil), (375_000, nil)]).permanentFailureReason
                == "inconsistent-amounts"
        )
        #expect(try await harness.record(draft.invoiceID)?.reductionState == .pending, "nothing parked was applied")
        #expect(try await allocate(total: 375_000, [(375_000, 1_250_000)]).outcome == .processed)
        let issued = try await harness.send(AttestInvoice(invoiceID: draft.invoiceID)).first(InvoiceIssued.self)
        #expect(issued?.amountDue == sek(2_250_000 - 375_000))
    }

    @Test func forgedClaimDecisionsAreParked() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let invoice = try await harness.issuedROTInvoice(materialPrice: 800_000)
        func decided(approved: Int64, owed: Int64) async throws -> ServiceHarness.Published {
            try await harness.send(
                ClaimDecided(
                    claimID: "claim-1",
                    invoiceID: invoice.invoiceID,
                    creditorID: "acme",
                    buyer: "198112189876",
                    requested: sek(375_000),
                    approved: sek(approved),
                    owedByBuyer: sek(owed),
                    referenceNumber: "20260000190-01"
                )
            )
        }
        #expect(try await decided(approved: 0, owed: .max).permanentFailureReason == "amount-out-of-range")
        #expect(try await decided(approved: .min, owed: 175_000).permanentFailureReason == "amount-out-of-range")
        #expect(try await decided(approved: 200_000, owed: 175_000).first(InvoiceCreated.self) != nil)
    }

    @Test func aBuyersStandingReductionNeverTraps() {
        let buyer = BuyerReduction(personnummer: "198112189876", reduction: .max, labour: 1)
        #expect(buyer.standing(withLabour: .max) == Int64.max / 100 * 100)
        #expect(buyer.standing(withLabour: .min) == 0)
        let negative = BuyerReduction(personnummer: "198112189876", reduction: .min, labour: .max)
        #expect(negative.standing(withLabour: .max) <= 0)
    }
}

@Suite("Hostile input to invoicing's read API")
struct InvoicingQueryParameterTests {
    func filter(_ pairs: [(String, String)]) throws -> InvoiceQueries.Filter {
        try InvoicingRoutes.listFilter(
            QueryParameters(pairs.map { (name: $0.0, value: $0.1) }, known: InvoicingRoutes.listParameters)
        )
    }

    func refused(_ pairs: [(String, String)]) -> InvalidQueryParameter? {
        do {
            _ = try filter(pairs)
            return nil
        } catch {
            return error as? InvalidQueryParameter
        }
    }

    @Test(
        arguments: [
            ("closedTo", "9999-12-31"), ("closedFrom", "0001-01-01"), ("from", "2026-02-30"), ("to", "yesterday"),
            ("status", "paid"), ("colour", "purple"), ("limit", "-1"), ("limit", "0"), ("limit", "5001"),
            ("limit", "99999999999999999999"), ("offset", "-5"), ("offset", "10000001"), ("debtor", "abc"),
            ("creditor", ""), ("colur", "red"),
        ]
    )
    func malformedOrOutOfRangeParametersNameTheParameter(name: String, value: String) {
        #expect(refused([(name, value)])?.parameter == name)
    }

    @Test func reversedRangesNameTheirEnd() {
        #expect(refused([("from", "2026-03-02"), ("to", "2026-03-01")])?.parameter == "to")
        #expect(refused([("closedFrom", "2026-03-02"), ("closedTo", "2026-03-01")])?.parameter == "closedTo")
    }

    @Test func theEdgesOfTheSupportedDatesListWithoutTrapping() async throws {
        let harness = try InvoicingHarness()
        let invoice = try await harness.issuedInvoice()
        let filter = try filter([
            ("closedFrom", "1900-01-01"), ("closedTo", "2199-12-31"), ("from", "1900-01-01"), ("to", "2199-12-31"),
            ("status", "issued"), ("limit", "5000"), ("offset", "0"), ("debtor", "19811218-9876"),
        ])
        #expect(filter.status == .issued && filter.page.limit == 5000)
        let queries = InvoiceQueries(writer: harness.store.writer)
        let today = try CalendarDate(parsing: "2026-03-02")
        #expect(try await queries.list(filter, today: today).items.isEmpty, "not closed")
        var open = filter
        open.closedFrom = nil
        open.closedTo = nil
        #expect(try await queries.list(open, today: today).items.map(\.id) == [invoice.invoiceID])
    }

    @Test func theAnswerIsJSONNamingTheField() throws {
        let body = try BadQueryParameter.body(InvalidQueryParameter("closedTo", "outside the supported dates"))
        struct Answer: Decodable {
            struct Problem: Decodable {
                let field: String
                let message: String
            }
            let error: Problem
        }
        let answer = try JSONDecoder().decode(Answer.self, from: Data(body))
        #expect(answer.error.field == "closedTo")
        #expect(answer.error.message == "outside the supported dates")
    }
}
