import GRDB

/// Delivery's tables: what it keeps from other services' events (creditors, invoices, fees charged), the documents
/// those events decided, and one delivery row per document and channel.
enum DeliverySchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("delivery-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE creditor (
                        id TEXT PRIMARY KEY NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE TABLE invoice (
                        id TEXT PRIMARY KEY NOT NULL,
                        created TEXT,
                        issued TEXT
                    );
                    CREATE TABLE fee_charge (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        invoiceID TEXT NOT NULL,
                        body TEXT NOT NULL,
                        documentID TEXT
                    );
                    CREATE INDEX fee_charge_invoice ON fee_charge (invoiceID, documentID);
                    CREATE TABLE document (
                        id TEXT PRIMARY KEY NOT NULL,
                        invoiceID TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        createdAt TEXT NOT NULL,
                        data TEXT NOT NULL,
                        pdf BLOB
                    );
                    CREATE INDEX document_invoice ON document (invoiceID);
                    CREATE TABLE delivery (
                        documentID TEXT NOT NULL REFERENCES document (id),
                        channel TEXT NOT NULL,
                        recipient TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt TEXT NOT NULL,
                        lastError TEXT,
                        receipt TEXT,
                        updatedAt TEXT NOT NULL,
                        PRIMARY KEY (documentID, channel)
                    );
                    CREATE INDEX delivery_due ON delivery (state, nextAttemptAt);
                    """
            )
        }
        // The debtor's contact as invoicing last changed it (debtor-contact-changed), which wins over the one an
        // invoice-issued event carried when that event is handled later.
        migrator.registerMigration("delivery-debtor-contact") { db in
            try db.execute(sql: "ALTER TABLE invoice ADD COLUMN debtor TEXT")
        }
        // The version of a document's data: a contact change that rewrites the data raises it, and an attempt records
        // its outcome (or lets the server have the end of a mail) only for the revision its PDF was rendered from.
        migrator.registerMigration("delivery-document-revision") { db in
            try db.execute(sql: "ALTER TABLE document ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        }
        // The print batch day a printed document is filed under, fixed at its first attempt: a retry after midnight
        // (the file written, the process gone before `sent` was recorded) files it under the same day again, so one
        // document is in exactly one day's batch.
        migrator.registerMigration("delivery-print-day") { db in
            try db.execute(sql: "ALTER TABLE delivery ADD COLUMN printDay TEXT")
        }
        // The revision of the last debtor-contact-changed applied to the invoice: an older change that arrives later
        // (it waited in a retry queue) is passed over instead of bringing back an old address.
        migrator.registerMigration("delivery-contact-revision") { db in
            try db.execute(sql: "ALTER TABLE invoice ADD COLUMN contactRevision INTEGER NOT NULL DEFAULT 0")
        }
    }
}
