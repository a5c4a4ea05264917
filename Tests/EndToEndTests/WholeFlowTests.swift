import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// The four real service executables, each its own process with its own database, driven through the real broker
/// the way an upstream system would, and observed through their events and read APIs.
@Suite("End to end: the real executables")
struct WholeFlowTests {
    @Test func invoicesArePaidFromABankFileAndTheROTClaimIsFiled() async throws {
        let system = try await RunningSystem.start("bank-file")
        let recorder = system.recorder
        try await system.send(
            RegisterCreditor(
                creditorID: "e2e",
                name: "E2E Bygg AB",
                organisationNumber: "556677-8899",
                bankgiro: "5050-1055",
                reminderFeeAgreed: true,
                paymentTermsDays: 30,
                ocrControl: .init(level: "variable-length"),
                invoiceNumberSeries: .init(start: 501),
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: 15)
            )
        )
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        let today = CalendarDate.today(at: Date())
        let plain = CreateInvoice(
            creditorID: "e2e",
            externalID: "plain",
            debtor: Debtor(kind: "company", name: "Kund AB", identityNumber: "556036-0793"),
            currency: "SEK",
            invoiceDate: today,
            lines: [.init(description: "Arbete", quantity: DecimalQuantity("3")!, unitPrice: 100_000, vatRate: 25)]
        )
        let rot = CreateInvoice(
            creditorID: "e2e",
            externalID: "rot",
            debtor: Debtor(kind: "private", name: "Anna Andersson", identityNumber: "19811218-9876"),
            currency: "SEK",
            invoiceDate: today,
            lines: [
                .init(
                    description: "Snickeri",
                    quantity: DecimalQuantity("20")!,
                    unitPrice: 50_000,
                    vatRate: 25,
                    taxReduction: .init(kind: "rot", workType: "Bygg", hours: DecimalQuantity("20"))
                )
            ],
            taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 20, propertyDesignation: "Kåbo 1:1")
        )
        try await system.send(plain)
        try await system.send(rot)
        let rotCreated = try #require(await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "rot" })
        let plainCreated = try #require(await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "plain" })
        #expect(await recorder.wait(for: ReductionAllocated.self) { $0.invoiceID == rotCreated.invoiceID } != nil)
        let invoicingPort = system.port("invoicing")
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: invoicingPort, path: "/v1/invoices/\(rotCreated.invoiceID)")?.body
                    .contains("reduction-allocated") == true
            }
        )
        for created in [plainCreated, rotCreated] {
            try await system.send(AttestInvoice(invoiceID: created.invoiceID))
        }
        let issuedPlain = try #require(
            await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == plainCreated.invoiceID }
        )
        let issuedROT = try #require(
            await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == rotCreated.invoiceID }
        )
        #expect(issuedROT.amountDue == Money(minorUnits: 875_000, .sek), "12 500 kr less 30 % ROT")
        let matchingPort = system.port("payment-matching")
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matchingPort, path: "/v1/receivables/\(issuedROT.invoiceID)")?.status == 200
            }
        )

        // One bank file pays both.
        let day = today.description.replacingOccurrences(of: "-", with: "")
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "50501055",
                date: day,
                serial: "1",
                records: [issuedPlain, issuedROT].enumerated().map { index, issued in
                    BgMaxBuilder.payment(
                        reference: issued.ocr,
                        amount: issued.amountDue.amount,
                        code: 2,
                        serial: String(index + 1)
                    )
                }
            )
        ])
        try await system.send(ImportBankgiroFile(fileName: "e2e.txt", latin1: file))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issuedROT.invoiceID } != nil)
        // Without a collector the trace is still passed on, unsampled (flag 00): nothing is recorded for nobody.
        let paidTrace = recorder.deliveries.first { $0.properties.type == InvoicePaid.messageType.rawValue }?
            .properties.headers[MessageEnvelope.traceParentHeader]?.stringValue
        #expect(paidTrace.flatMap(MessageTracing.ids(ofTraceParent:)) != nil, "\(paidTrace ?? "no traceparent")")
        #expect(paidTrace?.hasSuffix("-00") == true, "\(paidTrace ?? "no traceparent")")
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: invoicingPort, path: "/v1/invoices?creditor=e2e&status=closed")?.body
                    .contains(issuedPlain.invoiceID) == true
            }
        )
        #expect(
            await recorder.wait(for: CaseClosed.self) { $0.invoiceID == issuedPlain.invoiceID && $0.reason == "paid" }
                != nil
        )

        // The ROT claim is requestable once paid; the claim file validates its own rules on the way.
        let reductionPort = system.port("tax-reduction")
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: reductionPort, path: "/v1/claims?status=requestable")?.body.contains(
                    issuedROT.invoiceID
                ) == true
            }
        )
        try await system.send(GenerateClaimFile(creditorID: "e2e", kind: "rot", year: today.year, name: "E2E"))
        let claimFile = try #require(await recorder.wait(for: ClaimFileGenerated.self))
        let xml = try #require(await HTTPProbe.get(port: reductionPort, path: claimFile.downloadPath))
        #expect(xml.body.contains("<BegartBelopp>3750</BegartBelopp>"))

        // Every process stops cleanly on SIGTERM.
        await system.stop()
    }
}
