import Foundation
import KvittContracts
import KvittTesting
import Testing

/// What a bank file and a payer's message mean, through the four real executables and the real broker: free text
/// pays the payer's invoice, not another customer's number in the text (issue 15's example); TK22 amounts allocate
/// exactly; a TK23 credit reference and a TK21 deduction apply the payer's credit invoice in invoicing; every deposit
/// reconciles; a test file is refused; an unknown record is skipped and counted; a UTF-8 file keeps its fields; the
/// unmatched list explains its candidates; the reports name invoice numbers and neutralise formulas.
@Suite("End to end: payment matching semantics")
struct PaymentMatchingSemanticsFlowTests {
    /// An unmatched payment as `GET /v1/payments/unmatched` lists it, with its candidates.
    struct Unmatched: Decodable {
        struct Candidate: Decodable {
            var invoiceNumber: String
            var debtorName: String
            var reason: String
        }

        var id: String
        var note: String?
        var candidates: [Candidate]
    }

    /// A deposit as `GET /v1/reports/deposits` lists it.
    struct Deposit: Decodable {
        var depositSerialNumber: String
        var total: Money
        var booked: Money
        var unmatched: Money
        var deductions: Money
        var creditsApplied: Money
    }

    @Test func filesAndMessagesPayTheRightInvoices() async throws {
        let system = try await RunningSystem.start("semantics")
        let recorder = system.recorder
        let creditor = "semantik"
        var registration = Fixture.creditor(creditor, name: "Plåtslageriet i Uppsala AB")
        registration.invoiceNumberSeries = .init(start: 2026)
        try await system.register(registration)
        let today = try await system.businessDate()
        func issue(_ debtor: Debtor, _ quantity: String, _ unitPrice: Int64) async throws -> InvoiceIssued {
            try await system.issue(
                Fixture.invoice(
                    creditor,
                    UUID().uuidString,
                    debtor: debtor,
                    date: today,
                    lines: [Fixture.line("Plåtarbete", quantity, unitPrice: unitPrice)]
                )
            )
        }
        // Amounts include 25 % VAT. Numbers 2026…2033 in this order.
        let bosInvoice = try await issue(Fixture.bo, "1", 40_000)  // 2026: 500 kr, Bo's
        let annaSplitFirst = try await issue(Fixture.anna, "1", 160_000)  // 2027: 2 000 kr
        let annaSplitSecond = try await issue(Fixture.anna, "1", 24_000)  // 2028: 300 kr
        let kundCredit = try await issue(Fixture.kundAB, "-1", 40_000)  // 2029: −500 kr
        let kundDeducted = try await issue(Fixture.kundAB, "-1", 40_000)  // 2030: −500 kr
        let annasInvoice = try await issue(Fixture.anna, "1", 64_000)  // 2031: 800 kr
        let kundForCredit = try await issue(Fixture.kundAB, "1", 120_000)  // 2032: 1 500 kr
        let kundForDeduction = try await issue(Fixture.kundAB, "1", 120_000)  // 2033: 1 500 kr
        #expect(bosInvoice.invoiceNumber == "2026" && annasInvoice.invoiceNumber == "2031")
        #expect(kundCredit.kind == "credit" && kundCredit.amountDue == sek(-50_000))
        #expect(
            await system.read(
                BooksAudit.Receivable.self,
                "payment-matching",
                "/v1/receivables/\(kundForDeduction.invoiceID)"
            ) {
                _ in true
            } != nil
        )

        // One production file, one deposit: Anna's message naming Bo's number in its date; a payment split by TK22
        // amounts; one using a credit invoice by TK23; one with a TK21 deduction of a credit invoice; and a record of
        // a type BgMax does not define.
        let day = today.description.replacingOccurrences(of: "-", with: "")
        let file = SemanticsFile.file(
            date: day,
            [
                SemanticsFile.payment(reference: "", amount: 80_000, code: 1, serial: "1"),
                SemanticsFile.line("25Betalt 2026-03-20 faktura 2031"),
                SemanticsFile.line("26Anna Andersson"),
                SemanticsFile.line("29198112189876"),
                SemanticsFile.payment(reference: "2027 2028", amount: 200_000, code: 3, serial: "2"),
                SemanticsFile.payment("22", reference: annaSplitFirst.ocr, amount: 170_000, code: 2, serial: "2"),
                SemanticsFile.payment("22", reference: annaSplitSecond.ocr, amount: 30_000, code: 2, serial: "2"),
                SemanticsFile.line("99ETT FRAMTIDA POSTSLAG"),
                SemanticsFile.payment(reference: "2032 KREDIT 2029", amount: 100_000, code: 3, serial: "3"),
                SemanticsFile.payment("22", reference: kundForCredit.ocr, amount: 150_000, code: 2, serial: "3"),
                SemanticsFile.payment("23", reference: kundCredit.ocr, amount: 50_000, code: 2, serial: "3"),
                SemanticsFile.payment(
                    sender: "9020033",
                    reference: kundForDeduction.ocr,
                    amount: 150_000,
                    code: 2,
                    serial: "4"
                ),
                SemanticsFile.payment("21", reference: kundDeducted.ocr, amount: 50_000, code: 2, serial: "5"),
            ]
        )
        try await system.send(ImportBankgiroFile(fileName: "BGMAX-\(day).txt", latin1: SemanticsFile.latin1(file)))
        let imported = try #require(await recorder.wait(for: BankgiroFileImported.self))
        #expect(imported.payments == 5 && imported.total == sek(480_000))
        #expect(imported.skippedRecords == 1)
        #expect(imported.warnings?.contains { $0.contains("99") } == true)
        let deposit = try #require(imported.reconciliation?.first)
        #expect(deposit.total == sek(480_000))
        // The deduction is set off against Kund AB's payment of 2033: 1 000 kr of it pays the invoice.
        #expect(deposit.booked == sek(480_000) && deposit.unmatched == sek(0) && deposit.deductions == sek(0))
        #expect(deposit.creditsApplied == sek(100_000))

        // Anna's 800 kr pays her 2031; Bo's 2026 is untouched.
        let annas = try #require(
            await recorder.wait(for: PaymentMatched.self) { $0.invoiceID == annasInvoice.invoiceID }
        )
        #expect(annas.amount == sek(80_000) && annas.method == .invoiceNumber)
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == annasInvoice.invoiceID } != nil)
        #expect(recorder.messages(PaymentMatched.self).allSatisfy { $0.invoiceID != bosInvoice.invoiceID })
        // 1 700 kr and 300 kr as the file says, although 2027 owes 2 000 kr.
        let first = try #require(
            await recorder.wait(for: InvoicePartiallyPaid.self) { $0.invoiceID == annaSplitFirst.invoiceID }
        )
        #expect(first.amount == sek(170_000) && first.remaining == sek(30_000))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == annaSplitSecond.invoiceID } != nil)
        // The credit invoices are applied by invoicing, which closes both sides.
        for (credit, debit) in [(kundCredit, kundForCredit), (kundDeducted, kundForDeduction)] {
            let applied = await recorder.wait(for: CreditApplied.self) {
                $0.creditInvoiceID == credit.invoiceID && $0.debitInvoiceID == debit.invoiceID
            }
            #expect(applied?.amount == sek(50_000))
            #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == debit.invoiceID } != nil)
            for invoice in [credit, debit] {
                let closed = await system.read(
                    BooksAudit.Invoice.self,
                    "invoicing",
                    "/v1/invoices/\(invoice.invoiceID)"
                ) {
                    $0.status == "closed"
                }
                #expect(closed?.balance.isZero == true, "invoice \(invoice.invoiceNumber) is settled in invoicing")
            }
        }

        // A test file is refused for booking, with the reason.
        let testFile = SemanticsFile.file(
            date: day,
            serial: "00002",
            marker: "T",
            [SemanticsFile.payment(reference: bosInvoice.ocr, amount: 50_000, code: 2, serial: "1")]
        )
        let testID = UUID().uuidString
        try await system.send(ImportBankgiroFile(latin1: SemanticsFile.latin1(testFile)), id: testID)
        let refused = try #require(
            await recorder.wait(for: PaymentMatchingCommandRejected.self) { $0.rejection.commandID == testID }
        )
        #expect(refused.rejection.errors.first?.message.contains("test file") == true)

        // A UTF-8 file: the payer's name keeps its å and the fields after it stay in place.
        let utf8File = SemanticsFile.file(
            date: day,
            serial: "00003",
            [
                SemanticsFile.payment(reference: annaSplitFirst.ocr, amount: 30_000, code: 2, serial: "1"),
                SemanticsFile.line("26Kalles Plåt AB"),
                SemanticsFile.line(
                    "28Göteborg" + String(repeating: " ", count: 27) + "Sverige" + String(repeating: " ", count: 28)
                        + "SE"
                ),
            ]
        )
        try await system.send(ImportBankgiroFile(latin1: Array(utf8File.utf8)))
        let utf8 = try #require(await recorder.wait(for: BankgiroFileImported.self) { $0.encoding == "UTF-8" })
        #expect(utf8.payments == 1)
        #expect(await recorder.wait(for: PaymentRegistered.self) { $0.payerName == "Kalles Plåt AB" } != nil)
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == annaSplitFirst.invoiceID } != nil)

        // A Swish payment from someone unknown naming Bo's invoice with another amount: unmatched, candidates shown.
        try await system.send(
            RegisterPayment(
                source: "swish",
                sourceID: "SWISH-FORMEL-1",
                amount: sek(10_000),
                paymentDate: today,
                message: "faktura 2026",
                payer: .init(name: "=HYPERLINK(\"http://example.com\")", swishNumber: "0701112233"),
                creditorID: creditor
            )
        )
        let swish = try #require(await recorder.wait(for: PaymentUnmatched.self) { $0.amount == sek(10_000) })
        let unmatched = try #require(
            await system.list(Unmatched.self, "payment-matching", "/v1/payments/unmatched") {
                $0.contains { $0.id == swish.paymentID }
            }
        )
        let listed = try #require(unmatched.first { $0.id == swish.paymentID })
        #expect(listed.candidates.map(\.invoiceNumber) == ["2026"])
        #expect(listed.candidates.first?.debtorName == "Bo Berg")
        #expect(listed.candidates.first?.reason.contains("not the") == true)

        // The reports: deposits reconciled, payments by invoice number, a formula neutralised.
        let deposits = try #require(
            await system.read([Deposit].self, "payment-matching", "/v1/reports/deposits?from=\(today)&to=\(today)")
        )
        let reconciled = try #require(deposits.first { $0.depositSerialNumber == "00001" })
        #expect(reconciled.total == sek(480_000) && reconciled.booked == sek(480_000))
        #expect(reconciled.deductions == sek(0) && reconciled.unmatched == sek(0))
        #expect(reconciled.creditsApplied == sek(100_000))
        let report = try await system.download(
            "payment-matching",
            "/v1/reports/payments?from=\(today)&to=\(today)&format=csv"
        )
        let text = String(decoding: report.bytes.dropFirst(3), as: UTF8.self)
        #expect(text.contains("2031 (800,00, invoice-number)"))
        #expect(!text.contains(annasInvoice.invoiceID), "invoices by number, not id")
        #expect(text.contains("'=HYPERLINK("), "the payer's name is text, not a formula")
        #expect(!text.contains(";=HYPERLINK(") && !text.contains(";\"=HYPERLINK("))

        for service in ["invoicing", "payment-matching", "debt-collection"] {
            #expect(try await system.deadLetters(service).isEmpty, "nothing parked in \(service)")
        }
        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }
}

/// BgMax records for this flow, positions per docs/domain.md §2.3, one deposit to bankgiro 5050-1055.
private enum SemanticsFile {
    static func payment(
        _ type: String = "20",
        sender: String = "",
        reference: String,
        amount: Int64,
        code: Int,
        serial: String
    ) -> String {
        let field = code == 2 ? pad(reference, 25, right: true) : pad(reference, 25)
        return line(
            type + pad(sender, 10, right: true, fill: "0") + field + pad(String(amount), 18, right: true, fill: "0")
                + "\(code)1" + pad(serial, 12, right: true, fill: "0") + "0" + (type == "21" ? "0" : "")
        )
    }

    static func line(_ text: String) -> String { pad(text, 80) }

    static func file(date: String, serial: String = "00001", marker: String = "P", _ records: [String]) -> String {
        func amount(_ record: String) -> Int64 { Int64(record.dropFirst(37).prefix(18)) ?? 0 }
        let payments = records.filter { $0.hasPrefix("20") }
        let deductions = records.filter { $0.hasPrefix("21") }
        let extras = records.filter { $0.hasPrefix("22") || $0.hasPrefix("23") }
        let total = payments.map(amount).reduce(0, +) - deductions.map(amount).reduce(0, +)
        let count = payments.count + deductions.count
        return
            ([
                line("01BGMAX               01" + date + "063012123456" + marker),
                line("050050501055" + pad("", 10) + "SEK"),
            ]
            + records
            + [
                line(
                    "15" + pad("50000001234567", 35, right: true, fill: "0") + date + serial
                        + pad(String(total), 18, right: true, fill: "0") + "SEK"
                        + pad(String(count), 8, right: true, fill: "0")
                ),
                line(
                    "70"
                        + [payments.count, deductions.count, extras.count, 1]
                        .map { pad(String($0), 8, right: true, fill: "0") }.joined()
                ),
            ]).joined(separator: "\r\n") + "\r\n"
    }

    static func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }

    static func pad(_ text: String, _ width: Int, right: Bool = false, fill: Character = " ") -> String {
        let padding = String(repeating: fill, count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
