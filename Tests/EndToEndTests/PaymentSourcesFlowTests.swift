import Foundation
import KvittContracts
import KvittTesting
import Testing

/// Payments from every source through the four real executables: Swish with the reference in the message, a card
/// payment in euro, an operator's manual registration and a bankgiro file; exact, partial, over- and unmatched
/// payments; a repeated source id; linking and removing; and the payments report as Excel opens it.
@Suite("End to end: payments from every source")
struct PaymentSourcesFlowTests {
    @Test func everySourceIsMatchedLinkedOrRemovedAndReported() async throws {
        let system = try await RunningSystem.start("payments")
        let recorder = system.recorder
        let creditor = "betalningar"
        try await system.register(
            Fixture.creditor(creditor, name: "Fönsterputs Norr AB", foreignAccounts: [Fixture.euroAccount])
        )
        let today = try await system.businessDate()
        func invoice(_ externalID: String, _ debtor: Debtor, currency: String = "SEK", _ lines: [CreateInvoice.Line])
            -> CreateInvoice
        {
            Fixture.invoice(creditor, externalID, debtor: debtor, date: today, currency: currency, lines: lines)
        }
        let bySwish = try await system.issue(
            invoice("swish", Fixture.anna, [Fixture.line("Fönsterputs, villa", "1", unitPrice: 100_000)])
        )
        let inEuro = try await system.issue(
            invoice(
                "euro",
                Fixture.germanCompany,
                currency: "EUR",
                [Fixture.line("Glasreparatur", "2", unitPrice: 10_000)]
            )
        )
        let byHand = try await system.issue(
            invoice("kassa", Fixture.kundAB, [Fixture.line("Fönsterputs, kontor", "2", unitPrice: 100_000)])
        )
        let exactInFile = try await system.issue(
            invoice("bg-exakt", Fixture.kundAB, [Fixture.line("Fasadtvätt", "1", unitPrice: 80_000)])
        )
        let overInFile = try await system.issue(
            invoice("bg-over", Fixture.kundAB, [Fixture.line("Takrännor", "1", unitPrice: 40_000)])
        )
        #expect(inEuro.amountDue == eur(25_000), "2 × 100 EUR + 25 % VAT")
        #expect(inEuro.paymentMeans.kind == "iban" && inEuro.paymentMeans.reconcilableFromBankgiro == false)

        // Swish: the payer typed the OCR reference into the message.
        let swish = RegisterPayment(
            source: "swish",
            sourceID: "8F3A21C4E5D64B7A9C1D2E3F4A5B6C7D",
            amount: sek(125_000),
            paymentDate: today,
            message: "OCR \(bySwish.ocr) fönsterputs",
            payer: .init(name: "Anna Andersson"),
            creditorID: creditor
        )
        try await system.send(swish)
        let swishMatch = try #require(
            await recorder.wait(for: PaymentMatched.self) { $0.invoiceID == bySwish.invoiceID }
        )
        #expect(swishMatch.matchedBy == "ocr")
        #expect(swishMatch.amount == sek(125_000))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == bySwish.invoiceID }?.paid == sek(125_000))
        // Swish delivers the same callback twice: the same source id is one payment.
        try await system.send(swish)

        // A card payment in euro against the euro invoice; one in kronor quoting it cannot settle it.
        try await system.send(
            RegisterPayment(
                source: "card",
                sourceID: "card-tx-20481",
                amount: eur(25_000),
                paymentDate: today,
                reference: inEuro.ocr,
                payer: .init(name: "Müller Bau GmbH"),
                creditorID: creditor
            )
        )
        let cardMatch = try #require(await recorder.wait(for: PaymentMatched.self) { $0.invoiceID == inEuro.invoiceID })
        #expect(cardMatch.matchedBy == "ocr" && cardMatch.amount == eur(25_000))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == inEuro.invoiceID } != nil)
        try await system.send(
            RegisterPayment(
                source: "card",
                sourceID: "card-tx-20482",
                amount: sek(25_000),
                paymentDate: today,
                reference: inEuro.ocr,
                creditorID: creditor
            )
        )
        let wrongCurrency = try #require(
            await recorder.wait(for: PaymentRegistered.self) { $0.sourceID == "card-tx-20482" }
        )
        let refused = try #require(
            await recorder.wait(for: PaymentUnmatched.self) { $0.paymentID == wrongCurrency.paymentID }
        )
        #expect(refused.reason.contains("currency SEK"))

        // An operator registers a cash payment by hand against the invoice it pays: part of it.
        try await system.send(
            RegisterPayment(
                source: "manual",
                sourceID: "kassa-2026-0042",
                amount: sek(100_000),
                paymentDate: today,
                invoiceID: byHand.invoiceID
            )
        )
        let partly = try #require(
            await recorder.wait(for: InvoicePartiallyPaid.self) { $0.invoiceID == byHand.invoiceID }
        )
        #expect(partly.amount == sek(100_000))
        #expect(partly.remaining == sek(150_000))
        #expect(
            await recorder.wait(for: PaymentMatched.self) { $0.invoiceID == byHand.invoiceID }?.matchedBy == "manual"
        )

        // A bankgiro file: one exact OCR payment, one paying 100 kr too much, one nobody can place.
        let day = today.description.replacingOccurrences(of: "-", with: "")
        let file = BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: "50501055",
                date: day,
                serial: "41",
                records: [
                    BgMaxBuilder.payment(reference: exactInFile.ocr, amount: 100_000, code: 2, serial: "1"),
                    BgMaxBuilder.payment(reference: overInFile.ocr, amount: 60_000, code: 2, serial: "2"),
                    BgMaxBuilder.payment(reference: "BETALNING ANNA", amount: 150_000, code: 3, serial: "3"),
                ]
            )
        ])
        try await system.send(ImportBankgiroFile(fileName: "BGMAX-\(day).txt", latin1: production(file)))
        let imported = try #require(await recorder.wait(for: BankgiroFileImported.self))
        #expect(imported.payments == 3 && imported.deposits == 1)
        #expect(imported.total == sek(310_000))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == exactInFile.invoiceID } != nil)
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == overInFile.invoiceID } != nil)
        let excess = try #require(
            await recorder.wait(for: OverpaymentRecorded.self) { $0.invoiceID == overInFile.invoiceID }
        )
        #expect(excess.amount == sek(10_000))
        let nobody = try #require(await recorder.wait(for: PaymentUnmatched.self) { $0.amount == sek(150_000) })
        // The bank sends the same file again: nothing happens twice.
        try await system.send(ImportBankgiroFile(fileName: "BGMAX-\(day)-kopia.txt", latin1: production(file)))

        // Linking the unplaced payment to the half-paid invoice settles it exactly.
        try await system.send(LinkPayment(paymentID: nobody.paymentID, invoiceID: byHand.invoiceID))
        let linked = try #require(await recorder.wait(for: PaymentMatched.self) { $0.paymentID == nobody.paymentID })
        #expect(linked.matchedBy == "manual" && linked.invoiceID == byHand.invoiceID)
        #expect(linked.amount == sek(150_000))
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == byHand.invoiceID }?.paid == sek(250_000))

        // Only money that is not applied can be refunded and taken off the books.
        let matchedID = UUID().uuidString
        try await system.send(RemovePayment(paymentID: swishMatch.paymentID, reason: "fel betalning"), id: matchedID)
        let notRemovable = try #require(
            await recorder.wait(for: PaymentMatchingCommandRejected.self) { $0.rejection.commandID == matchedID }
        )
        #expect(notRemovable.rejection.errors.map(\.field) == ["paymentID"], "a matched payment is not refundable here")
        // The 100 kr excess was refunded through the bank: off the list, with the reason.
        try await system.send(RemovePayment(paymentID: excess.paymentID, reason: "Återbetalt till Kund AB \(today)"))
        let removed = try #require(await recorder.wait(for: PaymentRemoved.self) { $0.paymentID == excess.paymentID })
        #expect(removed.amount == sek(10_000))

        // Payment-matching handles its queue in order, so the repeats were handled before the removal took effect.
        #expect(recorder.messages(PaymentRegistered.self).filter { $0.sourceID == swish.sourceID }.count == 1)
        #expect(recorder.messages(BankgiroFileImported.self).count == 1)
        let unmatched = try #require(
            await system.list(BooksAudit.Payment.self, "payment-matching", "/v1/payments/unmatched")
        )
        #expect(unmatched.map(\.id) == [wrongCurrency.paymentID], "only the kronor card payment is left to place")
        let overpayments = try #require(
            await system.list(BooksAudit.Payment.self, "payment-matching", "/v1/payments/overpayments")
        )
        #expect(overpayments.isEmpty)
        for paid in [bySwish, inEuro, byHand, exactInFile, overInFile] {
            let closed = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(paid.invoiceID)") {
                $0.status == "closed"
            }
            #expect(closed?.balance.isZero == true, "invoice \(paid.invoiceNumber) is paid in invoicing")
        }

        // The payments report (Inbetalningar) as Excel and LibreOffice open it with Swedish settings.
        let report = try await system.download(
            "payment-matching",
            "/v1/reports/payments?from=\(today)&to=\(today)&format=csv"
        )
        #expect(report.status == 200)
        #expect(report.contentType?.hasPrefix("text/csv") == true)
        #expect(Array(report.bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a byte-order mark")
        let text = String(decoding: report.bytes.dropFirst(3), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(
            rows.first
                == "Betalningsdag;Källa;Käll-id;Belopp;Valuta;Ej avräknat;Status;Referens;Betalare;Fakturor"
        )
        #expect(rows.count == 8, "a header and 7 payments: Swish, 2 card, manual, 3 from the file")
        func row(_ sourceID: String) -> String? { rows.first { $0.contains(";\(sourceID);") } }
        #expect(row(swish.sourceID)?.contains("\(today);swish;") == true)
        #expect(row(swish.sourceID)?.contains(";1250,00;SEK;0,00;matched;") == true, "decimal comma")
        #expect(row("card-tx-20481")?.contains(";250,00;EUR;0,00;matched;") == true)
        #expect(row("card-tx-20482")?.contains(";250,00;SEK;250,00;unmatched;") == true)
        #expect(row("kassa-2026-0042")?.contains(";1000,00;SEK;0,00;matched;") == true)
        #expect(rows.contains { $0.contains(";bankgiro;") && $0.contains(";600,00;SEK;0,00;removed;") })
        #expect(rows.contains { $0.contains(";bankgiro;") && $0.contains(";1500,00;SEK;0,00;matched;") })

        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }
}

/// A file built by `BgMaxBuilder`, which marks files `T` (test), marked as a production file (`P`, position 45):
/// payment-matching refuses to book a test file.
private func production(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    bytes[44] = UInt8(ascii: "P")
    return bytes
}
