import GRDB

/// Tax-reduction's tables: creditors (to refuse a buyer who is the provider), claims (one per buyer and invoice)
/// and the claim files written.
enum TaxReductionSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("tax-reduction-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE creditor (
                        id TEXT PRIMARY KEY NOT NULL,
                        identity TEXT NOT NULL
                    );
                    CREATE TABLE claim (
                        id TEXT PRIMARY KEY NOT NULL,
                        invoiceID TEXT NOT NULL,
                        creditorID TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        buyer TEXT NOT NULL,
                        year INTEGER NOT NULL,
                        share INTEGER NOT NULL,
                        hours INTEGER NOT NULL,
                        labour INTEGER NOT NULL,
                        work TEXT NOT NULL,
                        property TEXT,
                        invoiceNumber TEXT,
                        status TEXT NOT NULL,
                        paymentDate TEXT,
                        paidAmount INTEGER,
                        fileID TEXT,
                        approved INTEGER,
                        capWarning TEXT,
                        UNIQUE (invoiceID, buyer)
                    );
                    CREATE INDEX claim_by_buyer ON claim(buyer, year);
                    CREATE INDEX claim_by_creditor ON claim(creditorID, kind, status);
                    CREATE TABLE claim_file (
                        id TEXT PRIMARY KEY NOT NULL,
                        creditorID TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        year INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        xml TEXT NOT NULL,
                        generatedAt REAL NOT NULL,
                        deadline TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("tax-reduction-2") { db in
            // What stands of a claim Skatteverket already had, once a credit took part of it back (ClaimRecord).
            try db.execute(sql: "ALTER TABLE claim ADD COLUMN standing INTEGER")
        }
        migrator.registerMigration("tax-reduction-3") { db in
            // Payments decide the tax year: a buyer's claim on an invoice can become several (one per payment year),
            // so (invoiceID, buyer) is no longer unique. Other costs, the work period and what the payment date
            // allowed less than the invoice gave are kept with each claim.
            try db.execute(
                sql: """
                    CREATE TABLE claim_v3 (
                        id TEXT PRIMARY KEY NOT NULL,
                        invoiceID TEXT NOT NULL,
                        creditorID TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        buyer TEXT NOT NULL,
                        year INTEGER NOT NULL,
                        share INTEGER NOT NULL,
                        hours INTEGER NOT NULL,
                        labour INTEGER NOT NULL,
                        work TEXT NOT NULL,
                        property TEXT,
                        invoiceNumber TEXT,
                        status TEXT NOT NULL,
                        paymentDate TEXT,
                        paidAmount INTEGER,
                        fileID TEXT,
                        approved INTEGER,
                        capWarning TEXT,
                        standing INTEGER,
                        otherCost INTEGER NOT NULL DEFAULT 0,
                        workFrom TEXT,
                        workThrough TEXT,
                        adjusted INTEGER NOT NULL DEFAULT 0,
                        adjustmentReason TEXT
                    );
                    INSERT INTO claim_v3 (id, invoiceID, creditorID, kind, buyer, year, share, hours, labour, work,
                        property, invoiceNumber, status, paymentDate, paidAmount, fileID, approved, capWarning, standing)
                    SELECT id, invoiceID, creditorID, kind, buyer, year, share, hours, labour, work, property,
                        invoiceNumber, status, paymentDate, paidAmount, fileID, approved, capWarning, standing
                    FROM claim;
                    DROP TABLE claim;
                    ALTER TABLE claim_v3 RENAME TO claim;
                    CREATE INDEX claim_by_buyer ON claim(buyer, year);
                    CREATE INDEX claim_by_creditor ON claim(creditorID, kind, status);
                    CREATE INDEX claim_by_invoice ON claim(invoiceID, buyer);
                    """
            )
        }
    }
}
