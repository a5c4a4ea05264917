import Foundation
import GRDB
import KvittContracts
import KvittTesting
import Testing

@testable import Delivery

/// The Peppol channel through the real broker: an invoice to a debtor who prefers Peppol becomes one UBL file in the
/// outbox, reported as delivered by Peppol.
@Suite(.serialized)
struct PeppolDeliveryTests {
    static let company = Debtor(
        kind: "company",
        name: "Tak & <Söner> AB",
        identityNumber: "556036-0793",
        address: .init(street: "Storgatan 1", postalCode: "111 22", city: "Stockholm"),
        preferredChannel: .peppol,
        peppolID: "0007:5560360793"
    )

    @Test func aPeppolDeliveryWritesOneValidFileAndReportsIt() async throws {
        let harness = try await DeliveryHarness.start(.accept)
        let fixture = InvoiceFixture()
        var created = fixture.created
        created.debtor = Self.company
        var issued = fixture.issued
        issued.debtor = Self.company
        try await harness.publish(CreditorRegistered(creditor: fixture.creditor))
        try await harness.publish(created)
        try await harness.publish(issued)

        let delivered = try #require(
            await harness.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60)) { $0.channel == .peppol }
        )
        let document = delivered.documentID
        #expect(delivered.kind == .invoice)
        #expect(delivered.attempts == 1)
        let outbox = harness.printFolder.deletingLastPathComponent().appendingPathComponent("peppol-outbox")
        let name = "\(FileName.safe(document)).xml"
        #expect(delivered.receipt == name)
        let xml = try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)
        let result = try await UBLValidation.validate(xml)
        #expect(result.schema.status == 0, "UBL 2.1 schema: \(result.schema.output)")
        #expect(result.rules.status == 0, "EN 16931 / Peppol rules: \(result.rules.output)")
        let parsed = try await UBLValidation.XPath(xml)
        #expect(try await parsed.string("//*[local-name()='PayableAmount']") == "12500.00")
        #expect(try await parsed.string("/*/*[local-name()='BuyerReference']") == "ext-\(fixture.invoiceID)")
        #expect(
            try await parsed.string("//*[local-name()='EmbeddedDocumentBinaryObject']/@mimeCode") == "application/pdf",
            "the PDF rides along as the invoice's image"
        )

        // A crash after the file was written and before `sent` was recorded: the delivery runs again and writes
        // the same bytes to the same file, never a second invoice.
        try await Self.schedulePeppol(document, harness: harness)
        let repeated = await TestBroker.eventually(timeout: .seconds(30)) {
            harness.recorder.messages(DocumentDelivered.self).filter { $0.channel == .peppol }.count == 2
        }
        #expect(repeated, "the repeated attempt is delivered (and reported) again")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        #expect(files == [name], "one file per document, no partial file left: \(files)")
        #expect(try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8) == xml)
        try await harness.stop()
    }

    /// Sets the Peppol delivery back to due, as a crash between writing the file and recording `sent` leaves it.
    static func schedulePeppol(_ documentID: String, harness: DeliveryHarness) async throws {
        try await harness.service.store.writer.write { db in
            try db.execute(
                sql: "UPDATE delivery SET state = ?, nextAttemptAt = ? WHERE documentID = ? AND channel = ?",
                arguments: [
                    DeliveryState.pending.rawValue, Date(timeIntervalSince1970: 0), documentID,
                    DeliveryChannel.peppol.rawValue,
                ]
            )
        }
    }
}
