import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing
@testable import PaymentMatching
@testable import TaxReduction

/// Invoicing, payment-matching and tax-reduction on one exchange of the real broker, with an upstream publisher and a
/// recorder of everything that is published.
struct ReductionSystem {
    let invoicing: InProcessService
    let matching: InProcessService
    let reduction: InProcessService
    let recorder: EventRecorder
    let publisher: AMQPPublisher
    let creditor: String

    static func start(creditor: String) async throws -> ReductionSystem {
        let logger = TestBroker.logger("tax-reduction")
        let invoicing = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let shared = (invoicing.exchange, invoicing.deadLetterExchange)
        let matching = try await InProcessService.start(
            PaymentMatchingService.definition,
            exchanges: shared,
            logger: logger
        )
        let reduction = try await InProcessService.start(
            TaxReductionService.definition,
            exchanges: shared,
            logger: logger
        )
        let recorder = try await EventRecorder(exchange: invoicing.exchange, patterns: ["#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        let system = ReductionSystem(
            invoicing: invoicing,
            matching: matching,
            reduction: reduction,
            recorder: recorder,
            publisher: publisher,
            creditor: creditor
        )
        try await publisher.publish(
            invoicing.message(
                RegisterCreditor(
                    creditorID: creditor,
                    name: "Bygg & Son AB",
                    organisationNumber: "556677-8899",
                    bankgiro: "5050-1055",
                    reminderFeeAgreed: false,
                    paymentTermsDays: 30,
                    ocrControl: .init(level: "hard"),
                    invoiceNumberSeries: .init(start: 7001)
                )
            )
        )
        _ = try #require(await recorder.wait(for: CreditorRegistered.self))
        return system
    }

    func stop() async throws {
        await publisher.stop()
        await recorder.stop()
        try await reduction.stop()
        try await matching.stop()
        try await invoicing.stop()
    }

    /// Creates the invoice, waits for tax-reduction's allocation, attests it and returns the allocation and the issue.
    func issue(_ invoice: CreateInvoice) async throws -> (ReductionAllocated, InvoiceIssued) {
        try await publisher.publish(invoicing.message(invoice))
        let created = try #require(
            await recorder.wait(for: InvoiceCreated.self) { $0.externalID == invoice.externalID }
        )
        let allocated = try #require(
            await recorder.wait(for: ReductionAllocated.self) { $0.invoiceID == created.invoiceID }
        )
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: invoicing.port, path: "/v1/invoices/\(created.invoiceID)")?.body
                    .contains("reduction-allocated") == true
            }
        )
        try await publisher.publish(invoicing.message(AttestInvoice(invoiceID: created.invoiceID)))
        let issued = try #require(
            await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == created.invoiceID }
        )
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/\(issued.invoiceID)")?.status == 200
            }
        )
        return (allocated, issued)
    }

    /// The buyer pays `amount` of the invoice by bankgiro with its OCR on `date`.
    func pay(_ issued: InvoiceIssued, _ amount: Int64, on date: String, sourceID: String) async throws {
        try await publisher.publish(
            matching.message(
                RegisterPayment(
                    source: "bankgiro",
                    sourceID: sourceID,
                    amount: Money(minorUnits: amount, .sek),
                    paymentDate: CalendarDate(date)!,
                    reference: issued.ocr,
                    payeeBankgiro: "5050-1055"
                )
            )
        )
    }

    /// Waits until tax-reduction has `count` requestable claims of the invoice.
    func waitForRequestable(_ invoiceID: String, count: Int = 1) async -> Bool {
        await TestBroker.eventually {
            guard let body = await HTTPProbe.get(port: reduction.port, path: "/v1/claims?status=requestable")?.body
            else { return false }
            return body.components(separatedBy: invoiceID).count - 1 >= count
        }
    }

    /// Generates the ROT claim file of `year` and downloads it.
    func claimFile(year: Int, name: String) async throws -> String {
        try await publisher.publish(
            reduction.message(GenerateClaimFile(creditorID: creditor, kind: "rot", year: year, name: name))
        )
        let file = try #require(await recorder.wait(for: ClaimFileGenerated.self) { $0.name == name })
        let download = try #require(await HTTPProbe.get(port: reduction.port, path: file.downloadPath))
        #expect(download.status == 200)
        let (status, output) = try SchemaValidation.validate(download.body)
        #expect(status == 0, "\(name) does not validate against Skatteverket's V6 schema:\n\(output)\n\(download.body)")
        return download.body
    }

    /// A ROT invoice of `labour` öre labour including VAT (Bygg, 25 % VAT) for `buyers`.
    static func rotInvoice(
        _ creditor: String,
        _ externalID: String,
        date: String,
        dueDate: String? = nil,
        labour: Int64,
        hours: Int,
        buyers: [String] = ["19811218-9876"],
        workPeriod: CreateInvoice.WorkPeriod? = nil,
        extraLines: [CreateInvoice.Line] = [],
        materialOnLabour: Int64? = nil
    ) -> CreateInvoice {
        CreateInvoice(
            creditorID: creditor,
            externalID: externalID,
            debtor: Debtor(kind: "private", name: "Anna Andersson", identityNumber: buyers[0]),
            currency: "SEK",
            invoiceDate: CalendarDate(date)!,
            dueDate: dueDate.flatMap(CalendarDate.init),
            lines: [
                .init(
                    description: "Snickeri",
                    quantity: DecimalQuantity("\(hours)")!,
                    unit: "h",
                    unitPrice: labour * 4 / 5 / Int64(hours),
                    vatRate: 25,
                    taxReduction: .init(
                        kind: "rot",
                        workType: "Bygg",
                        hours: DecimalQuantity("\(hours)"),
                        materialCost: materialOnLabour
                    )
                )
            ] + extraLines,
            taxReduction: .init(
                buyers: buyers,
                hoursToReport: hours,
                propertyDesignation: "Uppsala Kåbo 1:1",
                workPeriod: workPeriod
            )
        )
    }
}

/// The whole-number values of every `<element>` in a claim file, in document order.
func claimValues(_ element: String, in xml: String) -> [Int64] {
    xml.components(separatedBy: "<\(element)>").dropFirst().compactMap {
        $0.components(separatedBy: "</\(element)>").first.flatMap { Int64($0) }
    }
}

private func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

/// The payment date decides the tax year, the rate and the cap of a ROT claim (docs/domain.md §5.1), through the real
/// broker: what the invoice gave beyond what the payment date allows is claimed no more and billed to the buyer.
@Suite("ROT by payment date, through the real broker")
struct PaymentDateBrokerTests {
    /// Invoiced in December 2025 at the temporary 50 %, paid in January 2026: the claim asks 30 % of the labour and
    /// the 3 000 kr between them is drafted as an invoice to the buyer, with the reason.
    @Test func invoicedIn2025PaidIn2026ClaimsThe2026Rate() async throws {
        let system = try await ReductionSystem.start(creditor: "bygg-yearend")
        let (allocated, issued) = try await system.issue(
            ReductionSystem.rotInvoice(
                system.creditor,
                "rot-dec",
                date: "2025-12-15",
                dueDate: "2025-12-31",
                labour: 1_500_000,
                hours: 30,
                workPeriod: .init(from: CalendarDate("2025-12-01")!, through: CalendarDate("2025-12-12")!)
            )
        )
        #expect(allocated.total == sek(750_000), "due in 2025 with the work done in the period: 50 %")
        #expect(issued.amountDue == sek(750_000))

        try await system.pay(issued, 750_000, on: "2026-01-10", sourceID: "bgc-dec")
        let adjusted = try #require(
            await system.recorder.wait(for: ReductionAdjusted.self) { $0.invoiceID == issued.invoiceID }
        )
        #expect(adjusted.invoiced == sek(750_000))
        #expect(adjusted.allowed == sek(450_000))
        #expect(adjusted.owedByBuyer == sek(300_000))
        #expect(adjusted.buyer == "198112189876")
        #expect(adjusted.reason.contains("2026-01-10") && adjusted.reason.contains("30 %"))

        // Invoicing drafts the difference for the buyer, with the reason on the line.
        let bill = try #require(
            await system.recorder.wait(for: InvoiceCreated.self) { $0.externalID.hasPrefix("reduction-") }
        )
        #expect(bill.totals.total == sek(300_000))
        #expect(bill.debtor.identityNumber == "19811218-9876" || bill.debtor.identityNumber == "198112189876")
        #expect(bill.lines.first?.line.description.contains(issued.invoiceNumber) == true)
        #expect(bill.lines.first?.line.description.contains("30 %") == true)

        #expect(await system.waitForRequestable(issued.invoiceID))
        let xml = try await system.claimFile(year: 2026, name: "Jan 2026")
        #expect(xml.contains("<BetalningsDatum>2026-01-10</BetalningsDatum>"))
        #expect(claimValues("PrisForArbete", in: xml) == [15_000])
        #expect(claimValues("BetaltBelopp", in: xml) == [7_500])
        #expect(claimValues("BegartBelopp", in: xml) == [4_500])

        // The buyer's 2026 cap counts what is claimed, not what the invoice gave.
        let usage = try await BooksAudit.read(
            TaxReductionRoutes.CapUsage.self,
            port: system.reduction.port,
            path: "/v1/buyers/usage",
            json: #"{"personnummer": "19811218-9876", "year": 2026}"#
        )
        #expect(usage.rot == sek(450_000))
        try await system.stop()
    }

    /// Invoiced before 12 May 2025, due and paid inside the temporary period with the work done in it: 50 %, claimed
    /// in full. The same invoice without a work period gets the standing 30 % (the conservative rule).
    @Test func paidInTheTemporaryPeriodWithTheWorkInItClaimsFiftyPercent() async throws {
        let system = try await ReductionSystem.start(creditor: "bygg-may")
        let (allocated, issued) = try await system.issue(
            ReductionSystem.rotInvoice(
                system.creditor,
                "rot-may",
                date: "2025-05-05",
                labour: 1_500_000,
                hours: 30,
                workPeriod: .init(from: CalendarDate("2025-05-12")!, through: CalendarDate("2025-05-16")!)
            )
        )
        #expect(allocated.total == sek(750_000), "due 2025-06-04, work 12–16 May 2025: 50 %")
        let (withoutPeriod, _) = try await system.issue(
            ReductionSystem.rotInvoice(system.creditor, "rot-may-2", date: "2025-05-05", labour: 1_500_000, hours: 30)
        )
        #expect(withoutPeriod.total == sek(450_000), "no work period stated: the standing 30 %")

        try await system.pay(issued, issued.amountDue.amount, on: "2025-05-20", sourceID: "bgc-may")
        #expect(await system.waitForRequestable(issued.invoiceID))
        let xml = try await system.claimFile(year: 2025, name: "Maj 2025")
        #expect(xml.contains("<BetalningsDatum>2025-05-20</BetalningsDatum>"))
        #expect(claimValues("PrisForArbete", in: xml) == [15_000])
        #expect(claimValues("BetaltBelopp", in: xml) == [7_500])
        #expect(claimValues("BegartBelopp", in: xml) == [7_500])
        #expect(system.recorder.messages(ReductionAdjusted.self).isEmpty, "nothing to bill the buyer")
        try await system.stop()
    }

    /// Half paid in December 2025 and half in January 2026: two claims, one per payment year, each with its half of
    /// the labour, hours and other costs; the 2025 half at 50 %, the 2026 half at 30 % with the difference billed.
    @Test func partialPaymentsAcrossTheYearEndSplitTheClaim() async throws {
        let system = try await ReductionSystem.start(creditor: "bygg-split")
        let travel = CreateInvoice.Line(
            description: "Resor",
            quantity: DecimalQuantity("1")!,
            unitPrice: 80_000,
            vatRate: 25,
            costKind: .other
        )
        let (allocated, issued) = try await system.issue(
            ReductionSystem.rotInvoice(
                system.creditor,
                "rot-split",
                date: "2025-12-01",
                dueDate: "2025-12-31",
                labour: 2_000_000,
                hours: 20,
                workPeriod: .init(from: CalendarDate("2025-11-17")!, through: CalendarDate("2025-11-28")!),
                extraLines: [travel]
            )
        )
        #expect(allocated.total == sek(1_000_000))
        // Labour 20 000 kr and travel 1 000 kr including VAT, less 10 000 kr reduction.
        #expect(issued.amountDue == sek(1_100_000))

        try await system.pay(issued, 550_000, on: "2025-12-20", sourceID: "bgc-split-1")
        #expect(await system.waitForRequestable(issued.invoiceID))
        try await system.pay(issued, 550_000, on: "2026-01-08", sourceID: "bgc-split-2")
        #expect(await system.waitForRequestable(issued.invoiceID, count: 2))
        let adjusted = try #require(
            await system.recorder.wait(for: ReductionAdjusted.self) { $0.invoiceID == issued.invoiceID }
        )
        #expect(adjusted.paymentDate == CalendarDate("2026-01-08"))
        #expect(adjusted.owedByBuyer == sek(200_000), "the 2026 half: 5 000 kr invoiced, 3 000 kr allowed")
        #expect(adjusted.buyerReduction == sek(800_000))

        let december = try await system.claimFile(year: 2025, name: "Dec 2025")
        #expect(december.contains("<BetalningsDatum>2025-12-20</BetalningsDatum>"))
        #expect(claimValues("PrisForArbete", in: december) == [10_000])
        #expect(claimValues("BetaltBelopp", in: december) == [5_000])
        #expect(claimValues("BegartBelopp", in: december) == [5_000])
        #expect(claimValues("AntalTimmar", in: december) == [10])
        #expect(claimValues("Ovrigkostnad", in: december) == [400])

        let january = try await system.claimFile(year: 2026, name: "Jan 2026")
        #expect(january.contains("<BetalningsDatum>2026-01-08</BetalningsDatum>"))
        #expect(claimValues("PrisForArbete", in: january) == [10_000])
        #expect(claimValues("BetaltBelopp", in: january) == [5_000])
        #expect(claimValues("BegartBelopp", in: january) == [3_000])
        #expect(claimValues("AntalTimmar", in: january) == [10])
        #expect(claimValues("Ovrigkostnad", in: january) == [400])
        try await system.stop()
    }

    /// Two buyers on one invoice: each ärende has its half of the labour, hours, material and other costs, so the
    /// file's totals are the invoice's (40 h and 5 000 kr material, not 80 h and 10 000 kr), and the file validates.
    @Test func twoBuyersShareTheHoursMaterialAndOtherCostsOfOneInvoice() async throws {
        let system = try await ReductionSystem.start(creditor: "bygg-two")
        let lines: [CreateInvoice.Line] = [
            .init(
                description: "Virke",
                quantity: DecimalQuantity("1")!,
                unitPrice: 500_000,
                vatRate: 25,
                costKind: .material
            ),
            .init(
                description: "Resor",
                quantity: DecimalQuantity("1")!,
                unitPrice: 120_000,
                vatRate: 25,
                costKind: .other
            ),
            .init(
                description: "Maskinhyra",
                quantity: DecimalQuantity("1")!,
                unitPrice: 80_100,
                vatRate: 25,
                costKind: .other
            ),
        ]
        let (allocated, issued) = try await system.issue(
            ReductionSystem.rotInvoice(
                system.creditor,
                "rot-two",
                date: "2026-03-02",
                labour: 2_500_000,
                hours: 40,
                buyers: ["19811218-9876", "19121212-1212"],
                extraLines: lines,
                materialOnLabour: 500_000
            )
        )
        #expect(allocated.buyers.map(\.amount) == [sek(375_000), sek(375_000)])
        try await system.pay(issued, issued.amountDue.amount, on: "2026-03-20", sourceID: "bgc-two")
        #expect(await system.waitForRequestable(issued.invoiceID, count: 2))

        let xml = try await system.claimFile(year: 2026, name: "Mars 2026")
        #expect(claimValues("Kopare", in: xml).count == 2)
        let labour = claimValues("PrisForArbete", in: xml)
        let hours = claimValues("AntalTimmar", in: xml)
        let material = claimValues("Materialkostnad", in: xml)
        let other = claimValues("Ovrigkostnad", in: xml)
        #expect(labour == [12_500, 12_500])
        #expect(hours.reduce(0, +) == 40 && hours.count == 2)
        #expect(material.reduce(0, +) == 5_000 && material.count == 2)
        // Travel 1 200 kr and machines 801 kr excluding VAT: 2 001 kr, the odd krona to one buyer.
        #expect(other.reduce(0, +) == 2_001 && other.count == 2 && other.allSatisfy { $0 > 0 })
        #expect(claimValues("BegartBelopp", in: xml) == [3_750, 3_750])
        for (requested, paid) in zip(claimValues("BegartBelopp", in: xml), claimValues("BetaltBelopp", in: xml)) {
            #expect(requested <= paid)
        }
        try await system.stop()
    }
}
