import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

/// Debt-collection (in process, manual clock) beside the real `delivery` executable on one exchange of the real
/// broker: the reminder debt-collection decides is rendered and printed by delivery, and delivery's own report on it
/// reaches the case's history. What ties them is delivery's document id (`reminder-<message id of reminder-sent>`),
/// so this is the test that fails if either side changes it.
@Suite("A reminder printed by the real delivery service shows in the case's history")
struct DeliveredLetterFlowTests {
    let logger = TestBroker.logger("delivered-letter")

    @Test func aPrintedReminderIsReportedIntoTheCaseHistory() async throws {
        let exchange = TestBroker.uniqueName("delivered-letter")
        let folder = try TestBroker.temporaryDirectory()
        let delivery = ServiceProcesses(
            executables: ["delivery"],
            exchange: exchange,
            folder: folder,
            broker: TestBroker.url,
            environment: [
                "PRINT_DIRECTORY": folder.appendingPathComponent("print").path,
                "PEPPOL_DIRECTORY": folder.appendingPathComponent("peppol").path,
                "DELIVERY_POLL_INTERVAL": "100ms",
            ]
        )
        try await delivery.start("delivery")
        let clock = ManualClock(
            start: CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 3, day: 2, hour: 9))!
        )
        let collection = try await InProcessService.start(
            DebtCollectionService.definition(schedulerInterval: .milliseconds(100)),
            exchanges: (exchange, delivery.deadLetterExchange),
            clock: clock,
            logger: logger
        )
        let recorder = try await EventRecorder(exchange: exchange, patterns: ["delivery.#", "debt-collection.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("invoicing"), logger: logger)
        func publish<M: KvittMessage>(_ message: M) async throws {
            try await publisher.publish(collection.message(message))
        }

        // What invoicing publishes for an invoice to a debtor without e-mail: everything goes to print.
        let invoiceID = "inv-\(UUID().uuidString.prefix(8))"
        let creditor = CollectionBench.creditor()
        let issued = CollectionBench.issued(
            invoiceID,
            debtor: Debtor(
                kind: "private",
                name: "Anna Andersson",
                identityNumber: "19811218-9876",
                address: .init(street: "Storgatan 1", postalCode: "111 22", city: "Stockholm")
            )
        )
        try await publish(creditor)
        try await publish(Self.created(issued))
        try await publish(issued)
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases/\(invoiceID)")?.status == 200
            }
        )

        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        let reported = await recorder.wait(for: DocumentDelivered.self, timeout: .seconds(90)) {
            $0.invoiceID == invoiceID && $0.kind == .reminder
        }
        let report = try #require(reported, "delivery printed the reminder (see \(folder.path)/delivery.log)")
        #expect(report.channel == .print)
        let reminderID = recorder.deliveries.first { $0.properties.type == ReminderSent.messageType.rawValue }?
            .properties.messageID
        #expect(report.documentID == "reminder-\(reminderID ?? "?")")

        // Delivery's clock is the machine's; the report is recorded no later than debt-collection's today.
        let line = "2026-04-06: reminder (påminnelse) of 2026-04-06 delivered by print"
        let shown = await TestBroker.eventually(timeout: .seconds(15)) {
            await BooksAudit.caseHistory(port: collection.port, invoiceID: invoiceID).contains(line)
        }
        let view = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases/\(invoiceID)")).body
        #expect(shown, "\(view)")
        #expect(view.contains("\"nextStep\" : \"collectionLetter\""), "the ladder goes on: \(view)")

        await publisher.stop()
        await recorder.stop()
        try await collection.stop()
        for (executable, status) in await delivery.terminateAll() {
            #expect(status == 0, "\(executable) exits cleanly")
        }
        await TestBroker.cleanUp(
            services: [delivery.services["delivery"]!.name],
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchanges: [exchange, delivery.deadLetterExchange]
        )
    }

    /// The draft invoicing published before the invoice was issued: delivery takes the lines and totals from it.
    static func created(_ issued: InvoiceIssued) -> InvoiceCreated {
        let line = CreateInvoice.Line(
            description: "Takläggning",
            quantity: DecimalQuantity("8")!,
            unit: "tim",
            unitPrice: 100_000,
            vatRate: 25
        )
        return InvoiceCreated(
            invoiceID: issued.invoiceID,
            creditorID: issued.creditorID,
            externalID: "ext-\(issued.invoiceID)",
            kind: "debit",
            debtor: issued.debtor,
            invoiceDate: issued.invoiceDate,
            dueDate: issued.dueDate,
            lines: [
                PricedLine(
                    line: line,
                    net: Money(minorUnits: 800_000, .sek),
                    vat: Money(minorUnits: 200_000, .sek)
                )
            ],
            totals: InvoiceTotals(
                net: Money(minorUnits: 800_000, .sek),
                vat: [
                    .init(rate: 25, base: Money(minorUnits: 800_000, .sek), amount: Money(minorUnits: 200_000, .sek))
                ],
                rounding: Money(minorUnits: 0, .sek),
                total: Money(minorUnits: 1_000_000, .sek)
            )
        )
    }
}
