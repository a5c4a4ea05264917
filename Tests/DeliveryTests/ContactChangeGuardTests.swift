import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Testing

@testable import Delivery

/// A postal address changes while an attempt holds the PDF it rendered with the old one; the recipient (the e-mail
/// address, or "print") stays the same. The old PDF must not go out, by mail or into the print batch: the attempt
/// stops, and the next one renders the new address.
///
/// The worker on its own store and a manual clock, with a real SMTP server (aiosmtpd); the attempt is taken in its
/// two halves (``DeliveryWorker/document(_:)`` then the channel) so the change lands exactly between them.
struct ContactChangeGuardTests {
    static let invoiceID = "inv-contact-guard"

    struct Setup {
        let store: MessageStore
        let worker: DeliveryWorker
        let printDirectory: URL
        let letter: LetterData

        init(smtpPort: Int?, email: String?) throws {
            store = try MessageStore(writer: DatabaseQueue(), migrations: { DeliverySchema.register(&$0) })
            printDirectory = try TestBroker.temporaryDirectory().appendingPathComponent("print")
            worker = DeliveryWorker(
                store: store,
                clock: ManualClock(),
                settings: DeliverySettings(
                    smtp: smtpPort.map {
                        SMTPSettings(
                            host: "127.0.0.1",
                            port: $0,
                            from: "faktura@kvitt.test",
                            startTLS: .off,
                            timeout: .seconds(10)
                        )
                    },
                    printDirectory: printDirectory,
                    collector: DeliveryHarness.collector
                ),
                serviceName: "delivery",
                logger: Logger(label: "contact-guard-test"),
                outboxCommitted: {}
            )
            var letter = DocumentRenderingTests.letter(.invoice)
            letter.debtor.email = email
            self.letter = letter
        }

        /// The document with a PDF already made from the old address (as a first render would have kept it) and its
        /// delivery row, routed as the handler routes it.
        func record(_ documentID: String) async throws -> DeliveryWorker.Due {
            let letter = letter
            let route = DeliveryRoute(for: letter)
            try await store.writer.write { db in
                try db.execute(
                    sql: "INSERT INTO document (id, invoiceID, kind, createdAt, data, pdf) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        documentID, ContactChangeGuardTests.invoiceID, letter.kind.rawValue, Date(),
                        try StoredJSON.encode(letter), Data("%PDF-1.4 old address\n".utf8),
                    ]
                )
                try db.execute(
                    sql: """
                        INSERT INTO delivery (documentID, channel, recipient, state, nextAttemptAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        documentID, route.channel.rawValue, route.recipient, DeliveryState.pending.rawValue,
                        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0),
                    ]
                )
            }
            return DeliveryWorker.Due(
                documentID: documentID,
                channel: route.channel,
                recipient: route.recipient,
                attempts: 0,
                invoiceID: ContactChangeGuardTests.invoiceID,
                kind: letter.kind
            )
        }

        /// invoicing's debtor-contact-changed with only the postal address new.
        func moveDebtor() async throws {
            var debtor = letter.debtor
            debtor.address = .init(street: "Nygatan 99", postalCode: "222 33", city: "Lund")
            let event = DebtorContactChanged(
                invoiceID: ContactChangeGuardTests.invoiceID,
                debtor: debtor,
                on: CalendarDate(year: 2027, month: 1, day: 10)!
            )
            try await store.writer.write { db in
                try DebtorContactChangedHandler.apply(event, db: db, now: Date(), logger: Logger(label: "handler"))
            }
        }

        func row(_ documentID: String) throws -> Row? {
            try store.writer.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT d.state, d.attempts, doc.pdf IS NULL AS pdfDropped FROM delivery d
                        JOIN document doc ON doc.id = d.documentID WHERE d.documentID = ?
                        """,
                    arguments: [documentID]
                )
            }
        }
    }

    @Test func aMailRenderedForTheOldAddressIsNotSentAndTheNextAttemptShowsTheNewOne() async throws {
        let smtp = try await SMTPTestServer(mode: .accept)
        defer { smtp.stop() }
        let setup = try Setup(smtpPort: smtp.port, email: "anna@example.se")
        var due = try await setup.record("invoice-guard-mail")
        #expect(due.channel == .email)

        let (letter, pdf, revision) = try await setup.worker.document(due.documentID)
        try await setup.moveDebtor()
        due.revision = revision
        await #expect(throws: DeliveryRerouted.self) {
            _ = try await setup.worker.mail(due, attempt: 1, letter: letter, pdf: pdf)
        }
        #expect(smtp.offered == 0, "the server got the end of a message with the old address")
        let row = try #require(try setup.row(due.documentID))
        #expect(row["state"] == DeliveryState.pending.rawValue)
        #expect(row["attempts"] == 0)
        #expect(row["pdfDropped"] == true, "the PDF with the old address is gone, to be made again")

        // The next pass renders the new address and sends it, once.
        #expect(try await setup.worker.runOnce() == 1)
        #expect(smtp.accepted.count == 1)
        let mail = try ReceivedMail(try #require(smtp.accepted.first))
        let text = flattened(try await mail.pdfText())
        #expect(text.contains("Nygatan 99"), "\(text.prefix(400))")
        #expect(!text.contains("Storgatan 1"))
    }

    @Test func aPrintedPDFWithTheOldAddressIsWithdrawn() async throws {
        let setup = try Setup(smtpPort: nil, email: nil)
        var due = try await setup.record("invoice-guard-print")
        #expect(due.channel == .print)

        let (letter, pdf, revision) = try await setup.worker.document(due.documentID)
        try await setup.moveDebtor()
        due.revision = revision
        let outcome = try await setup.worker.printed(due, letter: letter, pdf: pdf)
        guard case .delivered(let receipt) = outcome else {
            Issue.record("not filed: \(outcome)")
            return
        }
        let file = setup.printDirectory.appendingPathComponent(receipt)
        #expect(FileManager.default.fileExists(atPath: file.path))
        try await setup.worker.record(outcome, for: due, attempt: 1)

        #expect(!FileManager.default.fileExists(atPath: file.path), "the old address went into the print batch")
        let row = try #require(try setup.row(due.documentID))
        #expect(row["state"] == DeliveryState.pending.rawValue, "recorded as delivered with the old address")
        #expect(row["pdfDropped"] == true)
    }
}
