import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import PaymentMatching

/// Invoicing and payment-matching built by the real host, sharing one exchange on the real broker.
@Suite("Payment matching through the real broker")
struct PaymentMatchingBrokerTests {
    let logger = TestBroker.logger("payment-matching")

    @Test func bankgiroFileSettlesIssuedInvoicesAndTheBooksAgree() async throws {
        let invoicing = try await InProcessService.start(InvoicingDefinition.definition, logger: logger)
        let matching = try await InProcessService.start(
            PaymentMatchingService.definition,
            exchanges: (invoicing.exchange, invoicing.deadLetterExchange),
            logger: logger
        )
        let recorder = try await EventRecorder(
            exchange: invoicing.exchange,
            patterns: ["invoicing.#", "payment-matching.#"]
        )
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)

        try await publisher.publish(invoicing.message(InvoicingDefinition.creditor))
        var issued: [InvoiceIssued] = []
        for (index, hours) in ["1", "2", "3"].enumerated() {
            try await publisher.publish(
                invoicing.message(InvoicingDefinition.invoice(externalID: "order-\(index)", hours: hours))
            )
            let created = try #require(
                await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "order-\(index)" }
            )
            try await publisher.publish(invoicing.message(AttestInvoice(invoiceID: created.invoiceID)))
            issued.append(
                try #require(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == created.invoiceID })
            )
        }
        // Wait until payment-matching has opened all three receivables.
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/\(issued[2].invoiceID)")?.status == 200
            }
        )

        // Exact for the first, partial for the second, nothing known for the third reference.
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "50501055",
                date: "20260320",
                serial: "00001",
                records: [
                    BgMaxBuilder.payment(
                        reference: issued[0].ocr,
                        amount: issued[0].amountDue.amount,
                        code: 2,
                        serial: "000000000001"
                    ),
                    BgMaxBuilder.payment(reference: issued[1].ocr, amount: 100_000, code: 2, serial: "000000000002"),
                    BgMaxBuilder.payment(reference: "77777777", amount: 4_200, code: 3, serial: "000000000003"),
                ],
                total: issued[0].amountDue.amount + 104_200,
                count: 3
            )
        ])
        try await publisher.publish(
            matching.message(ImportBankgiroFile(fileName: "bg.txt", latin1: file))
        )
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issued[0].invoiceID } != nil)
        let partial = try #require(await recorder.wait(for: InvoicePartiallyPaid.self))
        #expect(partial.remaining.amount == issued[1].amountDue.amount - 100_000)
        let unmatched = try #require(await recorder.wait(for: PaymentUnmatched.self))
        #expect(await recorder.wait(for: BankgiroFileImported.self) != nil)

        // The same file again changes nothing. The queue is handled in order, so once a payment sent after it is
        // registered, the second import has been handled too.
        try await publisher.publish(
            matching.message(ImportBankgiroFile(fileName: "bg.txt", latin1: file))
        )
        try await publisher.publish(
            matching.message(
                RegisterPayment(
                    source: "swish",
                    sourceID: "SENTINEL-1",
                    amount: Money(minorUnits: 100, .sek),
                    paymentDate: CalendarDate("2026-03-20")!,
                    message: "efter filen",
                    creditorID: InvoicingDefinition.creditor.creditorID
                )
            )
        )
        #expect(await recorder.wait(for: PaymentRegistered.self) { $0.sourceID == "SENTINEL-1" } != nil)
        #expect(recorder.messages(BankgiroFileImported.self).count == 1)
        #expect(recorder.messages(PaymentRegistered.self).filter { $0.source == "bankgiro" }.count == 3)

        // Link the unmatched payment to the third invoice; it leaves the unmatched list.
        try await publisher.publish(
            matching.message(LinkPayment(paymentID: unmatched.paymentID, invoiceID: issued[2].invoiceID))
        )
        #expect(await recorder.wait(for: PaymentMatched.self) { $0.matchedBy == "manual" } != nil)
        let second = try #require(await recorder.wait(for: PaymentRegistered.self) { $0.sourceID.hasSuffix("-2") })
        let unmatchedList = try #require(await HTTPProbe.get(port: matching.port, path: "/v1/payments/unmatched"))
        #expect(!unmatchedList.body.contains(unmatched.paymentID))

        // Invoicing follows the balances: the first invoice is closed, the third has 42 kr paid.
        #expect(
            await TestBroker.eventually {
                let first = try? await BooksAudit.read(
                    BooksAudit.Invoice.self,
                    port: invoicing.port,
                    path: "/v1/invoices/\(issued[0].invoiceID)"
                )
                let third = try? await BooksAudit.read(
                    BooksAudit.Invoice.self,
                    port: invoicing.port,
                    path: "/v1/invoices/\(issued[2].invoiceID)"
                )
                return first?.status == "closed" && third?.paid == Money(minorUnits: 4_200, .sek)
            }
        )

        // The payments report, as JSON and as CSV for Excel.
        let report = try #require(
            await HTTPProbe.get(port: matching.port, path: "/v1/reports/payments?from=2026-03-01&to=2026-03-31")
        )
        #expect(report.body.contains(second.paymentID))
        let csv = try #require(
            await HTTPProbe.get(
                port: matching.port,
                path: "/v1/reports/payments?from=2026-03-01&to=2026-03-31&format=csv"
            )
        )
        #expect(csv.body.hasPrefix("\u{FEFF}Betalningsdag;Källa;"))
        #expect(csv.body.contains(";1000,00;SEK;"))
        #expect(
            await HTTPProbe.get(port: matching.port, path: "/v1/reports/payments?from=2026-03-31&to=2026-03-01")?.status
                == 400
        )

        // The same report as a real workbook, fetched and opened by openpyxl as an outside reader would.
        let workbook = try Self.openWorkbook(
            "http://127.0.0.1:\(matching.port)/v1/reports/payments?from=2026-03-01&to=2026-03-31&format=xlsx"
        )
        #expect(
            workbook["header"] as? [String] == [
                "Betalningsdag", "Källa", "Käll-id", "Belopp", "Ej avräknat",
                "Valuta", "Status", "Referens", "Betalare", "Fakturor",
            ]
        )
        #expect(workbook["autofilter"] as? String == "A1:J\(workbook["rows"] as? Int ?? 0)")
        #expect((workbook["rows"] as? Int ?? 0) >= 4, "a header and the payments: \(workbook)")
        #expect(workbook["dateTypes"] as? [String] == ["datetime"], "\(workbook)")
        #expect(workbook["amountTypes"] as? [String] == ["float"] || workbook["amountTypes"] as? [String] == ["int"])
        #expect((workbook["amountFormats"] as? [String])?.allSatisfy { $0.contains("0.00") } == true, "\(workbook)")
        #expect((workbook["amounts"] as? [Double])?.contains(1000) == true, "\(workbook)")
        #expect((workbook["invoices"] as? [String])?.contains { $0.contains("manual") } == true, "\(workbook)")

        await publisher.stop()
        await recorder.stop()
        try await matching.stop()
        try await invoicing.stop()
    }

    /// Fetches an .xlsx with Python and reads it with openpyxl: the header, the autofilter, and the Python types and
    /// number formats of the date and amount cells.
    static func openWorkbook(_ url: String) throws -> [String: Any] {
        let script = """
            import io, json, sys, urllib.request
            import openpyxl
            data = urllib.request.urlopen(sys.argv[1]).read()
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            rows = list(sheet.iter_rows())
            body = rows[1:]
            print(json.dumps({
                "header": [c.value for c in rows[0]],
                "rows": sheet.max_row,
                "autofilter": sheet.auto_filter.ref,
                "dateTypes": sorted({type(r[0].value).__name__ for r in body}),
                "amountTypes": sorted({type(r[3].value).__name__ for r in body}),
                "amountFormats": sorted({r[3].number_format for r in body}),
                "amounts": [r[3].value for r in body],
                "invoices": [r[9].value or "" for r in body],
            }))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw WorkbookUnreadable(output: String(decoding: data, as: UTF8.self)) }
        return object
    }

    struct WorkbookUnreadable: Error { let output: String }
}
