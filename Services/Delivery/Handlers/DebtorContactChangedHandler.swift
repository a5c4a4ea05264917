import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging

/// The debtor of an invoice has a new address, e-mail, preferred channel or Peppol id. Every letter of the invoice
/// not delivered yet (`pending`, or `failed` and waiting for a retry) is made again with the new contact and
/// routed by it; a letter already delivered, parked, or in the middle of being sent is left alone. Letters decided
/// later use the new contact too.
struct DebtorContactChangedHandler: MessageHandler {
    func handle(_ event: DebtorContactChanged, context: HandlerContext) throws {
        try Self.apply(event, db: context.db, now: context.now, logger: context.logger)
    }

    /// The change, in the handler's transaction `db`.
    static func apply(_ event: DebtorContactChanged, db: Database, now: Date, logger: Logger) throws {
        if let revision = event.revision {
            let applied =
                try Int.fetchOne(
                    db,
                    sql: "SELECT contactRevision FROM invoice WHERE id = ?",
                    arguments: [event.invoiceID]
                ) ?? 0
            guard revision > applied else {
                logger.info(
                    "an older contact change arrived after a newer one; passed over",
                    metadata: [
                        "invoice.id": "\(event.invoiceID)", "contact.revision": "\(revision)",
                        "contact.applied": "\(applied)",
                    ]
                )
                return
            }
        }
        let debtor = try StoredJSON.encode(event.debtor)
        // A change without a revision (an older invoicing) keeps the revision that stands.
        try db.execute(
            sql: """
                INSERT INTO invoice (id, debtor, contactRevision) VALUES (?1, ?2, COALESCE(?3, 0))
                ON CONFLICT(id) DO UPDATE SET debtor = excluded.debtor,
                    contactRevision = COALESCE(?3, contactRevision)
                """,
            arguments: [event.invoiceID, debtor, event.revision]
        )
        if var created = try DeliveryRecords.created(event.invoiceID, db) {
            created.debtor = event.debtor
            try db.execute(
                sql: "UPDATE invoice SET created = ? WHERE id = ?",
                arguments: [try StoredJSON.encode(created), event.invoiceID]
            )
        }
        if var issued = try DeliveryRecords.issued(event.invoiceID, db) {
            issued.debtor = event.debtor
            try db.execute(
                sql: "UPDATE invoice SET issued = ? WHERE id = ?",
                arguments: [try StoredJSON.encode(issued), event.invoiceID]
            )
        }
        let waiting = try Row.fetchAll(
            db,
            sql: """
                SELECT d.documentID, d.channel, d.recipient, doc.data
                FROM delivery d JOIN document doc ON doc.id = d.documentID
                WHERE doc.invoiceID = ? AND d.state IN (?, ?)
                """,
            arguments: [event.invoiceID, DeliveryState.pending.rawValue, DeliveryState.failed.rawValue]
        )
        for row in waiting {
            let documentID: String = row["documentID"]
            let channel: String = row["channel"]
            let recipient: String = row["recipient"]
            let stored: String = row["data"]
            var letter = try StoredJSON.decode(LetterData.self, stored)
            letter.debtor = event.debtor
            let data = try StoredJSON.encode(letter)
            if data != stored {
                // The address is on the page: the PDF is made again from the new data, and the new revision stops
                // an attempt that rendered the old one (same recipient or not) from sending or filing it.
                try db.execute(
                    sql: "UPDATE document SET data = ?, pdf = NULL, revision = revision + 1 WHERE id = ?",
                    arguments: [data, documentID]
                )
            }
            let route = DeliveryRoute(for: letter)
            guard route.channel.rawValue != channel || route.recipient != recipient else { continue }
            // A new recipient starts afresh: the failures so far were the old address's.
            try db.execute(
                sql: """
                    UPDATE delivery SET channel = ?, recipient = ?, state = ?, attempts = 0, nextAttemptAt = ?,
                        lastError = NULL, printDay = NULL, updatedAt = ?
                    WHERE documentID = ? AND channel = ?
                    """,
                arguments: [
                    route.channel.rawValue, route.recipient, DeliveryState.pending.rawValue, now, now,
                    documentID, channel,
                ]
            )
            logger.info(
                "delivery re-routed to the debtor's new contact",
                metadata: [
                    "document.id": "\(documentID)", "invoice.id": "\(event.invoiceID)", "channel": "\(route.channel)",
                ]
            )
        }
    }
}
