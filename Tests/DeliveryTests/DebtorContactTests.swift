import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Delivery

/// The debtor's channel and address: chosen per document, and changed later for the letters not yet delivered.
@Suite(.serialized)
struct DebtorContactTests {
    /// The invoice's first attempt meets a 451 and waits; the debtor's new e-mail and address arrive meanwhile: the
    /// invoice goes once, to the new address, showing the new postal address. A later change to print does not send
    /// the delivered invoice again, and the reminder after it is printed with the new address.
    @Test func aContactChangeReachesOnlyTheLettersNotYetDelivered() async throws {
        let harness = try await DeliveryHarness.start(
            .temporaryFailures(count: 1),
            retryDelays: [.seconds(20), .milliseconds(200)]
        )
        let fixture = InvoiceFixture()
        try await harness.issueInvoice(fixture)
        var waiting: (state: String, attempts: Int)?
        _ = await TestBroker.eventually(timeout: .seconds(60)) {
            waiting = try? await harness.delivery(harness.invoiceDocumentID())
            return waiting?.state == DeliveryState.failed.rawValue
        }
        try #require(waiting?.state == "failed", "the first attempt met the 451")

        var moved = fixture.debtor
        moved.email = "anna.ny@example.se"
        moved.address = .init(street: "Nya gatan 2", postalCode: "411 01", city: "Göteborg")
        try await harness.publish(
            DebtorContactChanged(
                invoiceID: fixture.invoiceID,
                debtor: moved,
                on: CalendarDate(year: 2026, month: 12, day: 2)!
            )
        )
        let delivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60)) { $0.kind == .invoice }
        )
        #expect(delivered.channel == .email)
        #expect(delivered.attempts == 1, "a new recipient starts afresh")
        let mails = try harness.smtp.accepted.map(ReceivedMail.init)
        try #require(mails.count == 1)
        #expect(mails[0].headers["to"] == "anna.ny@example.se")
        let text = flattened(try await mails[0].pdfText())
        #expect(text.contains("Nya gatan 2"), "the new postal address: \(text)")
        #expect(!text.contains("Storgatan 1"))

        // Delivered documents stay delivered; what comes later follows the new preference.
        var printed = moved
        printed.preferredChannel = .print
        try await harness.publish(
            DebtorContactChanged(
                invoiceID: fixture.invoiceID,
                debtor: printed,
                on: CalendarDate(year: 2026, month: 12, day: 3)!
            )
        )
        try await harness.publish(
            ReminderSent(
                invoiceID: fixture.invoiceID,
                on: CalendarDate(year: 2027, month: 1, day: 10)!,
                payBy: CalendarDate(year: 2027, month: 1, day: 20)!,
                outstanding: .sek(1_250_000)
            )
        )
        let reminder = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60)) { $0.kind == .reminder }
        )
        #expect(reminder.channel == .print)
        let file = harness.printFolder.appendingPathComponent(try #require(reminder.receipt))
        let reminderText = flattened(try await PDFText.extract(try Data(contentsOf: file)))
        #expect(reminderText.contains("Nya gatan 2"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(harness.smtp.accepted.count == 1, "the delivered invoice is not sent again")
        #expect(harness.recorder.messages(DocumentDelivered.self).count == 2)
        try await harness.stop()
    }

    /// The preferred channel wins when it can carry the document; otherwise e-mail when there is an address, else
    /// print. Letters have no Peppol document, and the application summary is always printed for the creditor.
    @Test func theChannelIsThePreferredOneWhenItCanCarryTheDocument() {
        func route(_ kind: DocumentKind, email: String?, preferred: DeliveryChannel?, peppolID: String?)
            -> DeliveryRoute
        {
            var fixture = InvoiceFixture()
            fixture.email = email
            var debtor = fixture.debtor
            debtor.preferredChannel = preferred
            debtor.peppolID = peppolID
            var letter = LetterData(issued: fixture.issued, creditor: fixture.creditor)
            letter.kind = kind
            letter.debtor = debtor
            return DeliveryRoute(for: letter)
        }
        let mail = DeliveryRoute(channel: .email, recipient: "anna@example.se")
        let peppol = DeliveryRoute(channel: .peppol, recipient: "0007:5567788999")
        #expect(route(.invoice, email: "anna@example.se", preferred: nil, peppolID: nil) == mail)
        #expect(route(.invoice, email: nil, preferred: nil, peppolID: nil) == .printed)
        #expect(route(.invoice, email: "anna@example.se", preferred: .print, peppolID: nil) == .printed)
        #expect(route(.invoice, email: nil, preferred: .email, peppolID: nil) == .printed, "no address to mail to")
        #expect(route(.invoice, email: "anna@example.se", preferred: .peppol, peppolID: "0007:5567788999") == peppol)
        #expect(route(.creditInvoice, email: nil, preferred: .peppol, peppolID: "0007:5567788999") == peppol)
        #expect(route(.invoice, email: "anna@example.se", preferred: .peppol, peppolID: nil) == mail, "no Peppol id")
        #expect(route(.invoice, email: nil, preferred: .peppol, peppolID: "not-an-id") == .printed)
        #expect(route(.reminder, email: "anna@example.se", preferred: .peppol, peppolID: "0007:5567788999") == mail)
        #expect(route(.collectionLetter, email: nil, preferred: .peppol, peppolID: "0007:5567788999") == .printed)
        #expect(
            route(.enforcementApplication, email: "anna@example.se", preferred: .email, peppolID: nil) == .printed
        )
    }

    /// Messages from before the debtor had a channel and a Peppol id still decode.
    @Test func anInvoiceIssuedWithoutTheNewFieldsDecodes() throws {
        let body = Array(
            #"{"kind":"private","name":"Anna Andersson","email":"anna@example.se"}"#.utf8
        )
        let debtor = try MessageCoding.decode(Debtor.self, from: body)
        #expect(debtor.preferredChannel == nil)
        #expect(debtor.peppolID == nil)
        #expect(debtor.email == "anna@example.se")
    }

    /// A contact change that waited in a retry queue arrives after a later one: it is passed over, so the old e-mail
    /// address never comes back. A change without a revision (an older invoicing) is applied as it comes.
    @Test func anOlderContactChangeArrivingLateIsPassedOver() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        let fixture = InvoiceFixture()
        let day = CalendarDate(year: 2026, month: 12, day: 2)!
        var older = fixture.debtor
        older.email = "anna.gammal@example.se"
        var newer = fixture.debtor
        newer.email = "anna.ny@example.se"
        try await harness.publish(
            DebtorContactChanged(invoiceID: fixture.invoiceID, debtor: newer, on: day, revision: 2)
        )
        try await harness.publish(
            DebtorContactChanged(invoiceID: fixture.invoiceID, debtor: older, on: day, revision: 1)
        )
        // A marker behind both in the same queue: once it is applied, both changes have been handled.
        let marker = InvoiceFixture()
        try await harness.publish(
            DebtorContactChanged(invoiceID: marker.invoiceID, debtor: marker.debtor, on: day, revision: 1)
        )
        func contact(_ invoiceID: String) async throws -> (debtor: Debtor?, revision: Int?) {
            try await harness.service.store.writer.read { db in
                (
                    try DeliveryRecords.changedDebtor(invoiceID, db),
                    try Int.fetchOne(
                        db,
                        sql: "SELECT contactRevision FROM invoice WHERE id = ?",
                        arguments: [invoiceID]
                    )
                )
            }
        }
        #expect(await TestBroker.eventually { (try? await contact(marker.invoiceID).debtor) != nil })
        let kept = try await contact(fixture.invoiceID)
        #expect(kept.debtor?.email == "anna.ny@example.se" && kept.revision == 2, "\(kept)")

        // Without a revision the change is applied, and the revision that stands is kept.
        var unnumbered = fixture.debtor
        unnumbered.email = "anna.utan@example.se"
        try await harness.publish(DebtorContactChanged(invoiceID: fixture.invoiceID, debtor: unnumbered, on: day))
        #expect(
            await TestBroker.eventually {
                (try? await contact(fixture.invoiceID).debtor?.email) == "anna.utan@example.se"
            }
        )
        #expect(try await contact(fixture.invoiceID).revision == 2)
        try await harness.stop()
    }
}

extension DeliveryHarness {
    /// The invoice's document id, as the handler recorded it.
    func invoiceDocumentID() async throws -> String {
        try await service.store.writer.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT id FROM document WHERE kind = ?",
                arguments: [DocumentKind.invoice.rawValue]
            )
        } ?? ""
    }
}
