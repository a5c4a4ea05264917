import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Delivery

/// The delivery service on the real broker, fed the events invoicing and debt-collection publish, delivering to a
/// real SMTP server (aiosmtpd) through the PDF renderer (headless Chromium).
struct DeliveryHarness {
    let service: InProcessService
    let recorder: EventRecorder
    let publisher: AMQPPublisher
    let smtp: SMTPTestServer
    let printFolder: URL
    let databasePath: String

    static let collector = CollectorDetails(
        name: "Kvitt Inkasso AB",
        organisationNumber: "559000-0001",
        contact: "tvist@kvitt.test, 08-123 45 67"
    )

    static func settings(smtpPort: Int, printFolder: URL, retryDelays: [Duration]) -> DeliverySettings {
        DeliverySettings(
            smtp: SMTPSettings(
                host: "127.0.0.1",
                port: smtpPort,
                from: "faktura@kvitt.test",
                startTLS: .off,
                timeout: .seconds(10)
            ),
            printDirectory: printFolder,
            retryDelays: retryDelays,
            pollInterval: .milliseconds(100),
            collector: collector
        )
    }

    static func start(
        _ mode: SMTPTestServer.Mode,
        retryDelays: [Duration] = [.milliseconds(200), .milliseconds(200)]
    ) async throws -> DeliveryHarness {
        let smtp = try await SMTPTestServer(mode: mode)
        let folder = try TestBroker.temporaryDirectory()
        let databasePath = folder.appendingPathComponent("delivery.sqlite").path
        let printFolder = folder.appendingPathComponent("print")
        let service = try await InProcessService.start(
            DeliveryService.definition(
                settings: settings(smtpPort: smtp.port, printFolder: printFolder, retryDelays: retryDelays)
            ),
            environment: ["DATABASE_PATH": databasePath],
            logger: TestBroker.logger("delivery")
        )
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["delivery.#"])
        let publisher = AMQPPublisher(
            url: TestBroker.url,
            options: TestBroker.options("upstream"),
            logger: TestBroker.logger("upstream")
        )
        return DeliveryHarness(
            service: service,
            recorder: recorder,
            publisher: publisher,
            smtp: smtp,
            printFolder: printFolder,
            databasePath: databasePath
        )
    }

    func publish<M: KvittMessage>(_ message: M) async throws {
        try await publisher.publish(service.message(message))
    }

    /// Publishes the creditor, the draft and the issued invoice, as invoicing does.
    func issueInvoice(_ fixture: InvoiceFixture = InvoiceFixture()) async throws {
        try await publish(CreditorRegistered(creditor: fixture.creditor))
        try await publish(fixture.created)
        try await publish(fixture.issued)
    }

    /// The delivery row's state and attempts.
    func delivery(_ documentID: String) async throws -> (state: String, attempts: Int)? {
        try await service.store.writer.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT state, attempts FROM delivery WHERE documentID = ?",
                arguments: [documentID]
            )
            .map { ($0["state"], $0["attempts"]) }
        }
    }

    func stop() async throws {
        await publisher.stop()
        await recorder.stop()
        try await service.stop()
        smtp.stop()
    }
}

/// An invoice of 12 500,00 kr (10 000 kr + 25 % VAT) to a Swedish consumer with an e-mail address.
struct InvoiceFixture {
    var invoiceID = "inv-\(UUID().uuidString.prefix(8))"
    var creditorID = "creditor-\(UUID().uuidString.prefix(8))"
    var email: String? = "anna@example.se"
    var country: String? = nil
    var description = "Takläggning <b>Tak & Co</b>"

    var debtor: Debtor {
        Debtor(
            kind: "private",
            name: "Anna Andersson",
            identityNumber: "19811218-9876",
            country: country,
            address: .init(street: "Storgatan 1", postalCode: "111 22", city: "Stockholm"),
            email: email
        )
    }

    var creditor: RegisterCreditor {
        RegisterCreditor(
            creditorID: creditorID,
            name: "Bygg & Son AB",
            organisationNumber: "556677-8899",
            bankgiro: "5050-1055",
            reminderFeeAgreed: true,
            paymentTermsDays: 30,
            ocrControl: .init(level: "hard"),
            invoiceNumberSeries: .init(start: 7001)
        )
    }

    static let invoiceDate = CalendarDate(year: 2026, month: 12, day: 1)!
    static let dueDate = CalendarDate(year: 2026, month: 12, day: 31)!

    var created: InvoiceCreated {
        let line = CreateInvoice.Line(
            description: description,
            quantity: DecimalQuantity("10")!,
            unit: "tim",
            unitPrice: 100_000,
            vatRate: 25
        )
        return InvoiceCreated(
            invoiceID: invoiceID,
            creditorID: creditorID,
            externalID: "ext-\(invoiceID)",
            kind: "debit",
            debtor: debtor,
            invoiceDate: Self.invoiceDate,
            dueDate: Self.dueDate,
            lines: [PricedLine(line: line, net: .sek(1_000_000), vat: .sek(250_000))],
            totals: InvoiceTotals(
                net: .sek(1_000_000),
                vat: [.init(rate: 25, base: .sek(1_000_000), amount: .sek(250_000))],
                rounding: .sek(0),
                total: .sek(1_250_000)
            )
        )
    }

    var issued: InvoiceIssued {
        InvoiceIssued(
            invoiceID: invoiceID,
            creditorID: creditorID,
            invoiceNumber: "7001",
            ocr: "700123",
            kind: "debit",
            invoiceDate: Self.invoiceDate,
            dueDate: Self.dueDate,
            total: .sek(1_250_000),
            taxReduction: .sek(0),
            amountDue: .sek(1_250_000),
            debtor: debtor,
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: "700123",
                reconcilableFromBankgiro: true
            )
        )
    }
}

extension Money {
    static func sek(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, .sek) }
}

/// Whitespace runs as one space, so that text checks do not depend on how the PDF's lines were laid out.
func flattened(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

@Suite(.serialized)
struct DeliveryBrokerTests {
    @Test func theInvoiceAndTheReminderArriveByMailWithTheirPDFs() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        let fixture = InvoiceFixture()
        try await harness.issueInvoice(fixture)
        let invoiceDelivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60)) { $0.kind == .invoice }
        )
        #expect(invoiceDelivered.channel == .email)
        #expect(invoiceDelivered.invoiceID == fixture.invoiceID)
        #expect(invoiceDelivered.attempts == 1)
        try await harness.publish(
            FeesCharged(
                invoiceID: fixture.invoiceID,
                fees: [
                    .init(
                        kind: "reminder",
                        amount: .sek(6_000),
                        legalBasis: "lag (1981:739) om ersättning för inkassokostnader m.m. 2 §"
                    )
                ],
                interest: .sek(0),
                total: .sek(6_000)
            )
        )
        try await harness.publish(
            ReminderSent(
                invoiceID: fixture.invoiceID,
                on: CalendarDate(year: 2027, month: 1, day: 10)!,
                payBy: CalendarDate(year: 2027, month: 1, day: 20)!,
                outstanding: .sek(1_256_000)
            )
        )
        _ = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60)) { $0.kind == .reminder }
        )
        let mails = try harness.smtp.accepted.map(ReceivedMail.init)
        try #require(mails.count == 2)

        let invoice = mails[0]
        #expect(invoice.headers["to"] == "anna@example.se")
        #expect(invoice.pdf.starts(with: Array("%PDF-".utf8)))
        let invoiceText = flattened(try await invoice.pdfText())
        #expect(invoiceText.contains("Faktura"))
        #expect(invoiceText.contains("12 500,00 kr"), "amount: \(invoiceText)")
        #expect(invoiceText.contains("700123"), "OCR")
        #expect(invoiceText.contains("2026-12-31"), "due date")
        #expect(invoiceText.contains("5050-1055"), "bankgiro")
        #expect(invoiceText.contains("Takläggning <b>Tak & Co</b>"), "the description as text, not markup")
        #expect(invoice.text.replacingOccurrences(of: "\u{00A0}", with: " ").contains("12 500,00 kr"))

        let reminder = mails[1]
        let reminderText = flattened(try await reminder.pdfText())
        #expect(reminderText.contains("Påminnelse"))
        #expect(reminderText.contains("Påminnelseavgift"))
        #expect(reminderText.contains("60,00 kr"))
        #expect(reminderText.contains("12 560,00 kr"), "outstanding: \(reminderText)")
        #expect(reminderText.contains("2027-01-20"), "pay-by date")
        #expect(reminderText.contains("700123"), "OCR")
        #expect(reminderText.contains("Storgatan 1"), "the address, from invoice-issued")
        try await harness.stop()
    }

    @Test func aCollectionLetterHasEveryElementTheLawAsksFor() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        let fixture = InvoiceFixture()
        try await harness.issueInvoice(fixture)
        try await harness.publish(
            FeesCharged(
                invoiceID: fixture.invoiceID,
                fees: [.init(kind: "reminder", amount: .sek(6_000), legalBasis: "lag (1981:739) 2 §")],
                interest: .sek(0),
                total: .sek(6_000)
            )
        )
        try await harness.publish(
            ReminderSent(
                invoiceID: fixture.invoiceID,
                on: CalendarDate(year: 2027, month: 1, day: 10)!,
                payBy: CalendarDate(year: 2027, month: 1, day: 20)!,
                outstanding: .sek(1_256_000)
            )
        )
        try await harness.publish(
            FeesCharged(
                invoiceID: fixture.invoiceID,
                fees: [.init(kind: "collection-letter", amount: .sek(18_000), legalBasis: "lag (1981:739) 3 § 1")],
                interest: .sek(12_345),
                total: .sek(30_345)
            )
        )
        // 12 500 + 60 + 180 + 123,45 − 1 000 paid = 11 863,45
        try await harness.publish(
            CollectionLetterSent(
                invoiceID: fixture.invoiceID,
                on: CalendarDate(year: 2027, month: 1, day: 25)!,
                payBy: CalendarDate(year: 2027, month: 2, day: 8)!,
                outstanding: .sek(1_186_345)
            )
        )
        _ = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(90)) {
                $0.kind == .collectionLetter
            }
        )
        let letter = try #require(
            try harness.smtp.accepted.map(ReceivedMail.init).first {
                $0.headers["subject"].map { MIMEHeader.decoded($0).hasPrefix("Inkassokrav") } ?? false
            }
        )
        let text = flattened(try await letter.pdfText())
        let required: [(String, String)] = [
            ("the title", "Inkassokrav"),
            ("the creditor", "Bygg & Son AB"),
            ("the creditor's organisation number", "556677-8899"),
            ("the collector", "Kvitt Inkasso AB"),
            ("the collector's organisation number", "559000-0001"),
            ("the claim's basis", "Obetald faktura 7001"),
            ("the capital", "12 500,00 kr"),
            ("the reminder fee", "Påminnelseavgift"),
            ("the reminder fee's basis", "lag (1981:739) 2 §"),
            ("the collection fee", "Inkassoavgift"),
            ("the collection fee's amount", "180,00 kr"),
            ("the collection fee's basis", "lag (1981:739) 3 § 1"),
            ("the interest", "Dröjsmålsränta"),
            ("the interest amount", "123,45 kr"),
            ("the interest rate", "referensränta + 8 procentenheter"),
            ("the interest period", "2027-01-01 – 2027-01-25"),
            ("what was paid", "1 000,00 kr"),
            ("the amount to pay", "11 863,45 kr"),
            ("the payment deadline", "2027-02-08"),
            ("what happens if unpaid", "Om du inte betalar"),
            ("Kronofogden", "betalningsföreläggande"),
            ("how to dispute", "Om du inte håller med"),
            ("where to dispute", "tvist@kvitt.test"),
            ("the OCR", "700123"),
        ]
        for (element, expected) in required {
            #expect(text.contains(expected), "\(element): '\(expected)' missing from \(text)")
        }
        try await harness.stop()
    }

    @Test func aPermanentRefusalParksTheDeliveryAtOnce() async throws {
        let harness = try await DeliveryHarness.start(.reject)
        let fixture = InvoiceFixture()
        try await harness.issueInvoice(fixture)
        let failed = try #require(
            await harness.recorder.wait(for: DeliveryFailed.self, timeout: .seconds(60))
        )
        #expect(failed.reason == "permanent-refusal")
        #expect(failed.detail.contains("554"))
        #expect(failed.attempts == 1)
        #expect(harness.smtp.offered == 1)
        let row = try #require(try await harness.delivery(failed.documentID))
        #expect(row.state == "parked")
        #expect(row.attempts == 1)
        // The server named the address and a personnummer; neither leaves the service, in the event or the row.
        let lastError = try await harness.service.store.writer.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT lastError FROM delivery WHERE documentID = ?",
                arguments: [failed.documentID]
            )
        }
        for text in [failed.detail, lastError ?? ""] {
            #expect(text.contains("***@example.se") && text.contains("19811218-****"), "\(text)")
            #expect(!text.contains("anna@") && !text.contains("9876"), "\(text)")
        }
        #expect(harness.recorder.messages(DocumentDelivered.self).isEmpty)
        try await harness.stop()
    }

    @Test func temporaryFailuresAreRetriedAndThenParked() async throws {
        let harness = try await DeliveryHarness.start(.temporaryFailure)
        try await harness.issueInvoice()
        let failed = try #require(
            await harness.recorder.wait(for: DeliveryFailed.self, timeout: .seconds(60))
        )
        #expect(failed.reason == "retries-exhausted")
        #expect(failed.detail.contains("451"))
        #expect(failed.attempts == 3, "the first attempt and one retry per delay")
        #expect(harness.smtp.offered == 3)
        #expect(harness.smtp.accepted.isEmpty)
        try await harness.stop()
    }

    @Test func aTemporaryFailureThenSuccessSendsOnce() async throws {
        let harness = try await DeliveryHarness.start(.temporaryFailures(count: 1))
        try await harness.issueInvoice()
        let delivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60))
        )
        #expect(delivered.attempts == 2)
        #expect(delivered.receipt?.contains("queued as") == true)
        try await Task.sleep(for: .seconds(1))
        #expect(harness.smtp.offered == 2)
        #expect(harness.smtp.accepted.count == 1)
        #expect(harness.recorder.messages(DocumentDelivered.self).count == 1)
        try await harness.stop()
    }

    @Test func aRestartNeverSendsAnAcceptedMailAgain() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        let fixture = InvoiceFixture()
        try await harness.issueInvoice(fixture)
        let delivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60))
        )
        await harness.publisher.stop()
        await harness.recorder.stop()
        try await harness.service.stop()

        // The same database after a restart: the accepted mail stays sent.
        let settings = DeliveryHarness.settings(
            smtpPort: harness.smtp.port,
            printFolder: harness.printFolder,
            retryDelays: [.milliseconds(200)]
        )
        let restarted = try await InProcessService.start(
            DeliveryService.definition(settings: settings),
            environment: ["DATABASE_PATH": harness.databasePath]
        )
        try await Task.sleep(for: .seconds(1))
        #expect(harness.smtp.accepted.count == 1)
        try await restarted.stop()

        // A crash between the end of the message and recording the answer leaves the row `sending`: after a
        // restart it is parked as in doubt, not sent again.
        let store = try MessageStore(path: harness.databasePath)
        try await store.writer.write { db in
            try db.execute(
                sql: "UPDATE delivery SET state = 'sending' WHERE documentID = ?",
                arguments: [delivered.documentID]
            )
        }
        let again = try await InProcessService.start(
            DeliveryService.definition(settings: settings),
            environment: ["DATABASE_PATH": harness.databasePath]
        )
        // The in-doubt event goes out at start, before a recorder could be bound: the row and the outbox tell.
        var parked: (state: String, error: String?)?
        _ = await TestBroker.eventually(timeout: .seconds(10)) {
            parked = try? await again.store.writer.read { db -> (state: String, error: String?)? in
                try Row.fetchOne(
                    db,
                    sql: "SELECT state, lastError FROM delivery WHERE documentID = ?",
                    arguments: [delivered.documentID]
                ).map { ($0["state"], $0["lastError"]) }
            }
            return parked?.state == "parked"
        }
        #expect(parked?.state == "parked")
        #expect(parked?.error?.hasPrefix("in-doubt") == true)
        let outbox = try await again.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type FROM kvitt_outbox")
        }
        #expect(outbox.contains(DeliveryFailed.messageType.rawValue))
        try await Task.sleep(for: .milliseconds(500))
        #expect(harness.smtp.accepted.count == 1)
        try await again.stop()
        harness.smtp.stop()
    }

    @Test func aDebtorWithoutAnEmailAddressGetsPrintedLetters() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        var fixture = InvoiceFixture()
        fixture.email = nil
        try await harness.issueInvoice(fixture)
        let delivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60))
        )
        #expect(delivered.channel == .print)
        let file = harness.printFolder.appendingPathComponent(try #require(delivered.receipt))
        let text = flattened(try await PDFText.extract(try Data(contentsOf: file)))
        #expect(text.contains("12 500,00 kr"))
        #expect(harness.smtp.offered == 0)
        try await harness.stop()
    }
}

/// Decodes an RFC 2047 `=?UTF-8?B?…?=` header.
enum MIMEHeader {
    /// An unfolded header value with its RFC 2047 `B` encoded-words decoded; the white space between two adjacent
    /// encoded-words goes (RFC 2047 6.2).
    static func decoded(_ value: String) -> String {
        var result = ""
        var previousWasEncoded = false
        for token in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if token.hasPrefix("=?UTF-8?B?"), token.hasSuffix("?="),
                let data = Data(base64Encoded: String(token.dropFirst(10).dropLast(2)))
            {
                if !result.isEmpty && !previousWasEncoded { result += " " }
                result += String(decoding: data, as: UTF8.self)
                previousWasEncoded = true
            } else {
                if !result.isEmpty { result += " " }
                result += token
                previousWasEncoded = false
            }
        }
        return result
    }
}
