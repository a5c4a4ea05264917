import GRDB

/// The invoicing service's tables; migrations run at start, after the runtime's inbox and outbox.
enum InvoicingSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("invoicing-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE creditor (
                        id TEXT PRIMARY KEY NOT NULL,
                        settings BLOB NOT NULL,
                        nextNumber INTEGER NOT NULL,
                        registeredAt REAL NOT NULL
                    );
                    CREATE TABLE invoice (
                        id TEXT PRIMARY KEY NOT NULL,
                        creditorID TEXT NOT NULL REFERENCES creditor(id),
                        externalID TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        status TEXT NOT NULL,
                        reductionState TEXT NOT NULL,
                        reductionAmount INTEGER NOT NULL DEFAULT 0,
                        reductionDetail TEXT,
                        number TEXT,
                        ocr TEXT,
                        currency TEXT NOT NULL,
                        invoiceDate TEXT NOT NULL,
                        dueDate TEXT NOT NULL,
                        debtorName TEXT NOT NULL,
                        debtorIdentity TEXT,
                        total INTEGER NOT NULL,
                        amountDue INTEGER NOT NULL,
                        credited INTEGER NOT NULL DEFAULT 0,
                        creditApplied INTEGER NOT NULL DEFAULT 0,
                        paid INTEGER NOT NULL DEFAULT 0,
                        originalInvoiceID TEXT REFERENCES invoice(id),
                        created BLOB NOT NULL,
                        issued BLOB,
                        issuedAt REAL,
                        closedAt REAL,
                        UNIQUE (creditorID, externalID)
                    );
                    CREATE INDEX invoice_by_creditor ON invoice(creditorID, status, dueDate);
                    CREATE INDEX invoice_by_debtor ON invoice(debtorIdentity);
                    CREATE INDEX invoice_by_original ON invoice(originalInvoiceID);
                    CREATE TABLE invoice_history (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        invoiceID TEXT NOT NULL REFERENCES invoice(id),
                        at REAL NOT NULL,
                        messageID TEXT NOT NULL,
                        messageType TEXT NOT NULL,
                        event TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX invoice_history_by_invoice ON invoice_history(invoiceID, id);
                    """
            )
        }
        migrator.registerMigration("invoicing-2") { db in
            try db.execute(sql: "ALTER TABLE invoice ADD COLUMN fees INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("invoicing-3") { db in
            // Each buyer's ROT/RUT reduction and labour as they stand (JSON of InvoiceCredited.StandingReduction).
            try db.execute(sql: "ALTER TABLE invoice ADD COLUMN reductionBuyers TEXT")
        }
        migrator.registerMigration("invoicing-4") { db in
            // On a credit invoice: which lines of its original it credits, and how much of each (JSON of
            // CreateCreditInvoice.CreditedLine with the quantity resolved), so that no line is credited twice.
            try db.execute(sql: "ALTER TABLE invoice ADD COLUMN creditedLines TEXT")
        }
        migrator.registerMigration("invoicing-5") { db in
            // The price list: every price ever set for a creditor, so that an act is charged at the price that stood
            // when it happened (PriceStore); and one platform fee per chargeable act, keyed by the act's event id.
            try db.execute(
                sql: """
                    CREATE TABLE creditor_price (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        creditorID TEXT NOT NULL REFERENCES creditor(id),
                        service TEXT NOT NULL,
                        price INTEGER NOT NULL,
                        effectiveFrom INTEGER NOT NULL,
                        messageID TEXT NOT NULL
                    );
                    CREATE INDEX creditor_price_by_service ON creditor_price(creditorID, service, effectiveFrom, id);
                    CREATE TABLE platform_fee (
                        actMessageID TEXT PRIMARY KEY NOT NULL,
                        feeMessageID TEXT NOT NULL,
                        creditorID TEXT NOT NULL,
                        service TEXT NOT NULL,
                        amount INTEGER NOT NULL,
                        priceSource TEXT NOT NULL,
                        actType TEXT NOT NULL,
                        actDate TEXT NOT NULL,
                        month TEXT NOT NULL,
                        invoiceID TEXT,
                        claimFileID TEXT,
                        chargedAt REAL NOT NULL
                    );
                    CREATE INDEX platform_fee_by_month ON platform_fee(creditorID, month, actDate);
                    """
            )
        }
    }
}
