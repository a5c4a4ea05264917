import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing
@testable import PaymentMatching
@testable import TaxReduction

/// ROT from allocation to decision with invoicing, payment-matching and tax-reduction on one broker exchange.
@Suite("ROT through the real broker")
struct TaxReductionBrokerTests {
    let logger = TestBroker.logger("tax-reduction")

    @Test func allocationAttestPaymentClaimFileAndDecision() async throws {
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

        try await publisher.publish(
            invoicing.message(
                RegisterCreditor(
                    creditorID: "bygg",
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
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        let rot = CreateInvoice(
            creditorID: "bygg",
            externalID: "rot-1",
            debtor: Debtor(kind: "private", name: "Anna Andersson", identityNumber: "19811218-9876"),
            currency: "SEK",
            invoiceDate: CalendarDate("2026-03-02")!,
            lines: [
                .init(
                    description: "Snickeri",
                    quantity: DecimalQuantity("20")!,
                    unit: "h",
                    unitPrice: 50_000,
                    vatRate: 25,
                    taxReduction: .init(kind: "rot", workType: "Bygg", hours: DecimalQuantity("20"))
                ),
                .init(description: "Virke", quantity: DecimalQuantity("1")!, unitPrice: 800_000, vatRate: 25),
            ],
            taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 20, propertyDesignation: "Uppsala Kåbo 1:1")
        )
        try await publisher.publish(invoicing.message(rot))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        let allocated = try #require(await recorder.wait(for: ReductionAllocated.self))
        #expect(allocated.invoiceID == created.invoiceID)
        #expect(allocated.total == Money(minorUnits: 375_000, .sek))

        // Invoicing has taken in the allocation once its history shows it; then attest.
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: invoicing.port, path: "/v1/invoices/\(created.invoiceID)")?.body
                    .contains("reduction-allocated") == true
            }
        )
        try await publisher.publish(invoicing.message(AttestInvoice(invoiceID: created.invoiceID)))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self))
        #expect(issued.amountDue == Money(minorUnits: 1_875_000, .sek))

        // The buyer pays the amount due by bankgiro with the OCR.
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/\(issued.invoiceID)")?.status == 200
            }
        )
        try await publisher.publish(
            matching.message(
                RegisterPayment(
                    source: "bankgiro",
                    sourceID: "bgc-1",
                    amount: issued.amountDue,
                    paymentDate: CalendarDate("2026-03-20")!,
                    reference: issued.ocr,
                    payeeBankgiro: "5050-1055"
                )
            )
        )
        #expect(await recorder.wait(for: InvoicePaid.self) != nil)
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: reduction.port, path: "/v1/claims?status=requestable")?.body.contains(
                    issued.invoiceID
                ) == true
            }
        )

        try await publisher.publish(
            reduction.message(GenerateClaimFile(creditorID: "bygg", kind: "rot", year: 2026, name: "Mars 2026"))
        )
        let file = try #require(await recorder.wait(for: ClaimFileGenerated.self))
        #expect(file.deadline == CalendarDate("2027-01-31"))
        let download = try #require(await HTTPProbe.get(port: reduction.port, path: file.downloadPath))
        #expect(download.status == 200)
        #expect(try SchemaValidation.validate(download.body).status == 0)
        #expect(download.body.contains("<Kopare>198112189876</Kopare>"))
        #expect(download.body.contains("<PrisForArbete>12500</PrisForArbete>"))
        #expect(download.body.contains("<BetaltBelopp>8750</BetaltBelopp>"))
        #expect(download.body.contains("<BegartBelopp>3750</BegartBelopp>"))

        try await publisher.publish(
            reduction.message(
                RecordDecision(
                    beslut: [
                        .init(
                            referensnummer: "20260000001-01",
                            arenden: [
                                .init(
                                    personnummer: "198112189876",
                                    fakturanummer: issued.invoiceNumber,
                                    godkantBelopp: 3000
                                )
                            ]
                        )
                    ]
                )
            )
        )
        let decided = try #require(await recorder.wait(for: ClaimDecided.self))
        #expect(decided.approved == Money(minorUnits: 300_000, .sek))
        #expect(decided.owedByBuyer == Money(minorUnits: 75_000, .sek))
        let usage = try await BooksAudit.read(
            TaxReductionRoutes.CapUsage.self,
            port: reduction.port,
            path: "/v1/buyers/usage",
            json: #"{"personnummer": "19811218-9876", "year": 2026}"#
        )
        #expect(usage.rot == Money(minorUnits: 375_000, .sek) && usage.rut == Money(minorUnits: 0, .sek))
        #expect(usage.total == usage.rot)

        await publisher.stop()
        await recorder.stop()
        try await reduction.stop()
        try await matching.stop()
        try await invoicing.stop()
    }
}
