import Foundation
import GRDB
import KvittContracts

extension DeliveryWorker {
    /// Writes the document's Peppol BIS Billing 3.0 file, `<outbox>/<document-id>.xml`, for an access point to send.
    ///
    /// Exactly once per document: the file's name is the document's id and its content depends only on the
    /// document, so a repeat after a crash (file written, `sent` not yet recorded) writes the same bytes over the
    /// same file. The file appears whole or not at all: it is written beside its final name and renamed, so an
    /// access point polling the folder never picks up half an invoice.
    func peppol(_ delivery: Due, letter: LetterData, pdf: Data) async throws -> Outcome {
        let invoiceID = delivery.invoiceID
        let stored = try await store.writer.read { db -> (InvoiceCreated?, InvoiceIssued?) in
            let created = try DeliveryRecords.created(invoiceID, db)
            let original = try created?.originalInvoiceID.flatMap { try DeliveryRecords.issued($0, db) }
            return (created, original)
        }
        let xml: String
        do {
            xml = try PeppolUBL.document(
                PeppolDocumentInput(
                    letter: letter,
                    buyerReference: PeppolBuyerReference.of(letter: letter, created: stored.0),
                    buyer: try PeppolParticipant.buyer(letter.debtor, peppolID: letter.debtor.peppolID),
                    precedingInvoice: stored.1.map {
                        PeppolDocumentInput.PrecedingInvoice(number: $0.invoiceNumber, issueDate: $0.invoiceDate)
                    },
                    pdf: pdf
                )
            )
        } catch {
            return .parked(reason: error.reason, detail: error.description)
        }
        let file = try PeppolOutbox(directory: settings.peppolDirectory).write(xml, documentID: delivery.documentID)
        return .delivered(receipt: file.lastPathComponent)
    }
}

/// BT-10, the buyer's reference. Kvitt's invoice command has `yourReference`, but the invoice-created event does
/// not carry it yet; until it does, the upstream system's id of the invoice (its order or case number) is the
/// reference, and failing that the invoice number, so that PEPPOL-EN16931-R003 always holds.
enum PeppolBuyerReference {
    static func of(letter: LetterData, created: InvoiceCreated?) -> String {
        if let external = created?.externalID.trimmingCharacters(in: .whitespaces), !external.isEmpty {
            return external
        }
        return letter.invoiceNumber
    }
}

/// The Peppol outbox folder: one UBL file per document, named by the document's id.
struct PeppolOutbox {
    var directory: URL

    /// Writes the file atomically (a temporary name in the same folder, then `rename`) and returns its URL.
    func write(_ xml: String, documentID: String) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "\(FileName.safe(documentID)).xml"
        let file = directory.appendingPathComponent(name)
        // A leading dot and another extension: an access point that takes `*.xml` never sees the partial file.
        let partial = directory.appendingPathComponent(".\(name).partial")
        try Data(xml.utf8).write(to: partial)
        try AtomicRename.move(partial, to: file)
        return file
    }
}
