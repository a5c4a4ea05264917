import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import TaxReduction

extension ServiceHarness.Published {
    /// The reason code of a permanent failure (`amount-out-of-range`), or `nil` when the message was not parked so.
    var permanentFailureReason: String? {
        guard case .deadLetter(.permanentFailure, let detail) = outcome else { return nil }
        return detail.split(separator: ":").first.map(String.init)
    }

    var taxReductionRejectedFields: [String] {
        rejection(TaxReductionCommandRejected.self)?.errors.map(\.field) ?? []
    }
}

private func sek(_ amount: Int64) -> Money { Money(minorUnits: amount, .sek) }

@Suite("Hostile input to tax-reduction")
struct TaxReductionHostileInputTests {
    typealias Flow = TaxReductionFlowTests

    func harness() throws -> ServiceHarness { try Flow().harness() }

    @Test func aLabourCostNearInt64MaxIsRejectedNotMultipliedIntoATrap() async throws {
        let service = try harness()
        var created = Flow.created("inv-1", labour: 1_000_000, buyers: ["19811218-9876"])
        created.taxReduction?.labourCostIncludingVAT = sek(.max)
        let answer = try await service.send(created)
        #expect(answer.outcome == .processed)
        let rejected = try #require(try answer.first(ReductionRejected.self))
        #expect(rejected.errors.map(\.field) == ["lines"])
    }

    @Test func hoursToReportOutsideTheirRangeAreRejected() async throws {
        let service = try harness()
        var created = Flow.created("inv-1", labour: 1_000_000, buyers: ["19811218-9876"])
        created.taxReduction?.request.hoursToReport = .max
        let rejected = try #require(try await service.send(created).first(ReductionRejected.self))
        #expect(rejected.errors.map(\.field) == ["taxReduction.hoursToReport"])
    }

    /// A claim of 3 000 kr sent to Skatteverket: allocated, issued as number 1001, paid, and put in a file.
    func claimed(_ service: ServiceHarness) async throws {
        try await service.send(Flow.created("inv-1", labour: 1_000_000, buyers: ["19811218-9876"]))
        try await service.send(Flow.issued("inv-1", number: "1001", ocr: "10017", total: 1_000_000, reduction: 300_000))
        try await service.send(
            InvoicePaid(invoiceID: "inv-1", paid: sek(700_000), paymentDate: try CalendarDate(parsing: "2026-03-20"))
        )
        let file = try await service.send(GenerateClaimFile(creditorID: "acme", kind: "rot", year: 2026, name: "Mars"))
        #expect(try file.first(ClaimFileGenerated.self) != nil)
    }

    @Test func anApprovedAmountNearInt64MaxIsAFieldError() async throws {
        let service = try harness()
        try await claimed(service)
        func decision(_ kronor: Int64) -> RecordDecision {
            RecordDecision(
                beslut: [
                    .init(
                        referensnummer: "20260000190-01",
                        arenden: [.init(personnummer: "198112189876", fakturanummer: "1001", godkantBelopp: kronor)]
                    )
                ]
            )
        }
        for kronor in [Int64.max, .min, Int64.max / 100 + 1] {
            let rejected = try await service.send(decision(kronor))
            #expect(rejected.outcome == .processed)
            #expect(rejected.taxReductionRejectedFields == ["beslut[0].arenden[0].godkantBelopp"])
        }
        #expect(try await service.send(decision(3_000)).first(ClaimDecided.self)?.approved == sek(300_000))
    }

    @Test(arguments: [Int.max, Int.min, 0, 2008, 2100])
    func aClaimFileYearOutsideTheFilesYearsIsAFieldError(year: Int) async throws {
        let service = try harness()
        let rejected = try await service.send(GenerateClaimFile(creditorID: "acme", kind: "rot", year: year, name: "X"))
        #expect(rejected.taxReductionRejectedFields == ["year"])
    }

    @Test func forgedCreditsAreParkedNotScaledIntoATrap() async throws {
        let service = try harness()
        try await service.send(Flow.created("inv-1", labour: 1_000_000, buyers: ["19811218-9876"]))
        func credit(reduction: Money, labour: Money) async throws -> ServiceHarness.Published {
            try await service.send(
                InvoiceCredited(
                    invoiceID: "inv-1",
                    creditInvoiceID: "c-1",
                    amount: sek(1),
                    taxReductionStanding: [.init(personnummer: "198112189876", reduction: reduction, labour: labour)]
                )
            )
        }
        #expect(try await credit(reduction: sek(0), labour: sek(.min)).permanentFailureReason == "amount-out-of-range")
        #expect(try await credit(reduction: sek(.min), labour: sek(0)).permanentFailureReason == "amount-out-of-range")
        #expect(
            try await credit(reduction: Money(minorUnits: 0, .eur), labour: sek(0)).permanentFailureReason
                == "amount-out-of-range"
        )
        // A standing reduction above what was allocated is an older credit replayed: it changes nothing.
        #expect(try await credit(reduction: sek(900_000_000_000_000_000), labour: sek(0)).outcome == .processed)
        let claim = try await service.store.writer.read { db in
            try ClaimRecord.fetchOne(db, sql: "SELECT * FROM claim WHERE invoiceID = 'inv-1'")
        }
        #expect(claim?.share == 300_000 && claim?.labour == 1_000_000)
    }

    /// A partial payment tax-reduction cannot divide (another currency, nothing paid, a sum beyond any amount) is
    /// parked with a reason, and the open claim stays as it was; one for an invoice without ROT/RUT is ignored.
    @Test func forgedPartialPaymentsAreParkedNotDivided() async throws {
        let service = try harness()
        try await service.send(Flow.created("inv-1", labour: 1_000_000, buyers: ["19811218-9876"]))
        func partial(_ amount: Money, remaining: Money, invoice invoiceID: String = "inv-1") async throws
            -> ServiceHarness.Published
        {
            try await service.send(
                InvoicePartiallyPaid(
                    invoiceID: invoiceID,
                    amount: amount,
                    remaining: remaining,
                    paymentDate: CalendarDate("2026-03-20")!
                )
            )
        }
        #expect(
            try await partial(Money(minorUnits: 100, .eur), remaining: sek(100)).permanentFailureReason
                == "amount-out-of-range"
        )
        #expect(try await partial(sek(0), remaining: sek(100)).permanentFailureReason == "amount-out-of-range")
        #expect(try await partial(sek(.max), remaining: sek(.max)).permanentFailureReason == "amount-out-of-range")
        #expect(try await partial(sek(-5), remaining: sek(100)).permanentFailureReason == "amount-out-of-range")
        #expect(
            try await partial(Money(minorUnits: 1, .eur), remaining: sek(1), invoice: "no-rot").outcome == .processed
        )
        let claims = try await service.store.writer.read { db in
            try ClaimRecord.fetchAll(db, sql: "SELECT * FROM claim WHERE invoiceID = 'inv-1'")
        }
        #expect(claims.count == 1 && claims[0].status == .allocated && claims[0].labour == 1_000_000)
    }

    @Test func scalingAClaimsHoursNeverTraps() throws {
        var claim = ClaimRecord(
            id: "c",
            invoiceID: "inv-1",
            creditorID: "acme",
            kind: "rot",
            buyer: "198112189876",
            year: 2026,
            share: 300_000,
            hours: .max,
            labour: 10,
            work: #"[{"workType":"Bygg","hours":9223372036854775807,"materialCost":0}]"#,
            status: .allocated
        )
        claim.lower(to: 100_000, labour: 5)
        #expect(claim.hours == Int.max / 2)
        #expect(claim.work.contains(#""hours":4611686018427387903"#))
        claim.lower(to: 0, labour: -1)
        #expect(claim.hours == 0 && claim.status == .withdrawn)
    }

    @Test func allocationOfTheLargestLabourStaysWithinTheCap() throws {
        let buyer = ReductionAllocation.Buyer(
            personnummer: try Personnummer(parsing: "19811218-9876"),
            usedTotal: 0,
            usedROT: 0
        )
        let shares = ReductionAllocation.allocate(
            kind: .rut,
            labour: .max,
            percent: 50,
            hours: .max,
            buyers: [buyer],
            year: 2026
        )
        #expect(shares.map(\.amount) == [ReductionRates.totalCap])
    }

    @Test func theDeadlineOfAnyYearIsADate() {
        #expect(ClaimFileBuilder.deadline(forPaymentYear: .max) == CalendarDate("9999-01-31"))
        #expect(ClaimFileBuilder.deadline(forPaymentYear: .min) == CalendarDate("0002-01-31"))
        #expect(ClaimFileBuilder.deadline(forPaymentYear: 2026) == CalendarDate("2027-01-31"))
    }
}

@Suite("Hostile input to tax-reduction's read API")
struct TaxReductionQueryParameterTests {
    func refused(_ read: () throws -> Void) -> InvalidQueryParameter? {
        do {
            try read()
            return nil
        } catch {
            return error as? InvalidQueryParameter
        }
    }

    func query(_ pairs: [(String, String)], known: Set<String>) throws -> QueryParameters {
        try QueryParameters(pairs.map { (name: $0.0, value: $0.1) }, known: known)
    }

    @Test(arguments: ["99999", "-1", "1899", "2200", "\"2026\"", "2026.5", "true", "[]", "99999999999999999999999"])
    func usageYearsOutsideTheSupportedDatesAreRefused(year: String) {
        #expect(usageRefusal(#"{"personnummer": "19811218-9876", "year": \#(year)}"#) == "year")
    }

    @Test func aUsageQuestionIsRead() throws {
        let question = try TaxReductionRoutes.usageQuestion(
            Array(#"{"personnummer": "19811218-9876", "year": 2026}"#.utf8)
        )
        #expect(question.year == 2026 && question.buyer.canonical == "198112189876")
        let thisYear = try TaxReductionRoutes.usageQuestion(
            Array(#"{"personnummer": "8112189876", "year": null}"#.utf8)
        )
        #expect(thisYear.year == nil)
    }

    /// The field a usage question's refusal names, or `nil` when the body was taken.
    func usageRefusal(_ body: String) -> String? {
        do {
            _ = try TaxReductionRoutes.usageQuestion(Array(body.utf8))
            return nil
        } catch {
            return error.problem.parameter
        }
    }

    /// Nesting as deep as the 4 KB body allows, at the top and inside a field: refused as a body, not a crash.
    @Test func aDeeplyNestedUsageBodyIsRefused() {
        let depth = 2_000
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(usageRefusal(nested) == "body")
        let insideYear = #"{"personnummer": "19811218-9876", "year": \#(nested)}"#
        #expect(insideYear.utf8.count <= TaxReductionRoutes.maximumUsageBodyBytes)
        #expect(["body", "year"].contains(usageRefusal(insideYear) ?? "taken"))
        let objects =
            #"{"personnummer": "19811218-9876", "year": "#
            + String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 601)
        #expect(["body", "year"].contains(usageRefusal(objects) ?? "taken"))
    }

    /// A number sent as a field's name is not named back; a plain unknown name is.
    @Test func anUnknownFieldIsNamedOnlyWhenItIsAPlainWord() {
        #expect(usageRefusal(#"{"personnummer": "19811218-9876", "colour": 1}"#) == "colour")
        #expect(usageRefusal(#"{"19811218-9876": true}"#) == "body")
        #expect(usageRefusal(#"{"personnummer": "19811218-9876", "": 1}"#) == "body")
    }

    @Test func anUnknownClaimStatusIsRefused() throws {
        let parameters = try query([("status", "paid")], known: TaxReductionRoutes.claimsParameters)
        let problem = refused { _ = try parameters.choice("status", of: ClaimRecord.Status.self) }
        #expect(problem?.parameter == "status")
        #expect(problem?.reason.contains("allocated, requestable, claimed, decided, withdrawn") == true)
        #expect(refused { _ = try query([("state", "claimed")], known: TaxReductionRoutes.claimsParameters) } != nil)
    }
}
