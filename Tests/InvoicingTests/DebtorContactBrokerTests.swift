import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// `invoicing.change-debtor-contact.v1` through the real broker: a sent invoice's debtor gets a new address,
/// e-mail and preferred channel, announced for delivery; an unusable contact is rejected and changes nothing.
@Suite("Invoicing: the debtor's contact changes after the invoice is sent")
struct DebtorContactBrokerTests {
    let logger = TestBroker.logger("invoicing")

    @Test func aSentInvoicesDebtorGetsANewContactAndDeliveryIsTold() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        var debtor = InvoicingHarness.domesticDebtor
        debtor.email = "anna@example.se"
        debtor.preferredChannel = .email
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-1", debtor: debtor)))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        #expect(created.debtor.preferredChannel == .email, "the channel travels on the invoice")
        try await publisher.publish(service.message(AttestInvoice(invoiceID: created.invoiceID)))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self))
        #expect(issued.debtor.preferredChannel == .email)

        let newAddress = Debtor.Address(street: "Nya gatan 2", postalCode: "411 01", city: "Göteborg")
        try await publisher.publish(
            service.message(
                ChangeDebtorContact(
                    invoiceID: created.invoiceID,
                    address: newAddress,
                    email: "anna.ny@example.se",
                    preferredChannel: .peppol,
                    peppolID: "0007:5567788999"
                )
            )
        )
        let changed = try #require(await recorder.wait(for: DebtorContactChanged.self))
        #expect(changed.invoiceID == created.invoiceID)
        #expect(changed.debtor.address == newAddress)
        #expect(changed.debtor.email == "anna.ny@example.se")
        #expect(changed.debtor.preferredChannel == .peppol)
        #expect(changed.debtor.peppolID == "0007:5567788999")
        #expect(changed.debtor.name == "Anna Andersson", "who owes the money does not change")
        #expect(changed.debtor.identityNumber == "19811218-9876")

        // Unusable: a broken e-mail address, a Peppol id without its scheme, print preferred is fine.
        try await publisher.publish(
            service.message(
                ChangeDebtorContact(invoiceID: created.invoiceID, email: "anna at example.se", peppolID: "5567788999"),
                id: "bad-contact"
            )
        )
        let rejected = try #require(await recorder.wait(for: InvoicingCommandRejected.self))
        #expect(rejected.rejection.commandID == "bad-contact")
        #expect(rejected.rejection.errors.map(\.field).sorted() == ["email", "peppolID"])
        try await publisher.publish(
            service.message(ChangeDebtorContact(invoiceID: created.invoiceID, email: "anna.ny@example.se"))
        )
        #expect(
            await recorder.wait(for: DebtorContactChanged.self) { $0.debtor.preferredChannel == nil } != nil,
            "an absent field removes it (here the preference and the Peppol id)"
        )
        #expect(recorder.messages(DebtorContactChanged.self).count == 2)
        // Numbered per invoice, so that delivery can tell a late older change from a newer one; a rejected command and
        // the rejected second attempt count for nothing.
        #expect(recorder.messages(DebtorContactChanged.self).map(\.revision) == [1, 2])

        // On the invoice command too: a preferred channel needs its address, a Peppol id its scheme.
        var unreachable = InvoicingHarness.domesticDebtor
        unreachable.preferredChannel = .peppol
        try await publisher.publish(
            service.message(InvoicingHarness.invoice(externalID: "order-2", debtor: unreachable), id: "no-peppol-id")
        )
        let refused = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == "no-peppol-id" }
        )
        #expect(refused.rejection.errors.map(\.field) == ["debtor.preferredChannel"])

        // The invoice as invoicing shows it has the new contact, and its history says so.
        let view = try #require(await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(created.invoiceID)"))
        #expect(view.status == 200)
        #expect(view.body.contains("debtor-contact-changed"))

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }

    /// A document delivery parked the invoice's letter: the invoice's history says which, by which channel and why.
    @Test func aParkedDeliveryShowsInTheInvoiceHistory() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-3")))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        try await publisher.publish(
            service.message(
                DeliveryFailed(
                    documentID: "reminder-1",
                    invoiceID: created.invoiceID,
                    kind: .reminder,
                    channel: .email,
                    on: CalendarDate(year: 2026, month: 4, day: 10)!,
                    reason: "permanent-refusal",
                    detail: "550 5.1.1 <anna@example.se>: Recipient address rejected",
                    attempts: 1
                )
            )
        )
        var body = ""
        _ = await TestBroker.eventually(timeout: .seconds(15)) {
            body = await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(created.invoiceID)")?.body ?? ""
            return body.contains("delivery-failed")
        }
        #expect(body.contains("reminder by email: permanent-refusal after 1 attempt(s), on 2026-04-10"), "\(body)")
        #expect(!body.contains("anna@example.se"), "the server's words, which name the address, stay in delivery")
        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }

    @Test func aDeliveredDocumentShowsInTheInvoiceHistory() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-4")))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        try await publisher.publish(
            service.message(
                DocumentDelivered(
                    documentID: "invoice-1",
                    invoiceID: created.invoiceID,
                    kind: .invoice,
                    channel: .email,
                    on: CalendarDate(year: 2026, month: 4, day: 2)!,
                    attempts: 2,
                    receipt: "250 2.0.0 Ok: queued as 4F2A"
                )
            )
        )
        var body = ""
        _ = await TestBroker.eventually(timeout: .seconds(15)) {
            body = await HTTPProbe.get(port: service.port, path: "/v1/invoices/\(created.invoiceID)")?.body ?? ""
            return body.contains("document-delivered")
        }
        #expect(body.contains("invoice by email on 2026-04-02 after 2 attempt(s)"), "\(body)")
        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}
