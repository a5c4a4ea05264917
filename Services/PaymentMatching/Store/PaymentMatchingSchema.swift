import GRDB

/// Payment-matching's tables: receivables (one per issued invoice), payments, allocations, imported files.
enum PaymentMatchingSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("payment-matching-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE receivable (
                        invoiceID TEXT PRIMARY KEY NOT NULL,
                        creditorID TEXT NOT NULL,
                        invoiceNumber TEXT NOT NULL,
                        ocr TEXT NOT NULL,
                        payeeBankgiro TEXT,
                        currency TEXT NOT NULL,
                        amountDue INTEGER NOT NULL,
                        adjustments INTEGER NOT NULL DEFAULT 0,
                        paid INTEGER NOT NULL DEFAULT 0,
                        reconcilableFromBankgiro INTEGER NOT NULL,
                        dueDate TEXT NOT NULL,
                        debtorName TEXT NOT NULL
                    );
                    CREATE INDEX receivable_by_bankgiro_ocr ON receivable(payeeBankgiro, ocr);
                    CREATE INDEX receivable_by_creditor_ocr ON receivable(creditorID, ocr);
                    CREATE INDEX receivable_by_creditor_number ON receivable(creditorID, invoiceNumber);
                    CREATE INDEX receivable_by_bankgiro_number ON receivable(payeeBankgiro, invoiceNumber);
                    CREATE INDEX receivable_by_ocr ON receivable(ocr);
                    CREATE INDEX receivable_by_number ON receivable(invoiceNumber);
                    CREATE TABLE payment (
                        id TEXT PRIMARY KEY NOT NULL,
                        source TEXT NOT NULL,
                        sourceID TEXT NOT NULL,
                        amount INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        paymentDate TEXT NOT NULL,
                        reference TEXT,
                        message TEXT,
                        payerName TEXT,
                        payerBankgiro TEXT,
                        payerOrganisationNumber TEXT,
                        creditorID TEXT,
                        payeeBankgiro TEXT,
                        status TEXT NOT NULL,
                        unapplied INTEGER NOT NULL,
                        note TEXT,
                        registeredAt REAL NOT NULL,
                        UNIQUE (source, sourceID)
                    );
                    CREATE INDEX payment_by_status ON payment(status);
                    CREATE INDEX payment_by_date ON payment(paymentDate);
                    CREATE TABLE allocation (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        paymentID TEXT NOT NULL REFERENCES payment(id),
                        invoiceID TEXT NOT NULL REFERENCES receivable(invoiceID),
                        amount INTEGER NOT NULL,
                        matchedBy TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    CREATE INDEX allocation_by_payment ON allocation(paymentID);
                    CREATE INDEX allocation_by_invoice ON allocation(invoiceID);
                    CREATE TABLE bankgiro_file (
                        fileKey TEXT PRIMARY KEY NOT NULL,
                        fileName TEXT,
                        importedAt REAL NOT NULL,
                        deposits INTEGER NOT NULL,
                        payments INTEGER NOT NULL,
                        total INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("payment-matching-2") { db in
            // What a receivable was paid is the sum of its allocations (ReceivableRecord.paid), no longer a column:
            // refuse to drop one that disagrees, rather than lose what it says.
            let disagreeing =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM receivable
                        WHERE paid != (SELECT COALESCE(SUM(amount), 0) FROM allocation WHERE allocation.invoiceID = receivable.invoiceID)
                        """
                ) ?? 0
            guard disagreeing == 0 else {
                throw DatabaseError(
                    message: "\(disagreeing) receivables' paid differs from their allocations; not migrating"
                )
            }
            try db.execute(
                sql: """
                    ALTER TABLE receivable DROP COLUMN paid;
                    DROP INDEX allocation_by_invoice;
                    CREATE INDEX allocation_by_invoice ON allocation(invoiceID, amount);
                    """
            )
        }
        migrator.registerMigration("payment-matching-3") { db in
            // Payer-aware matching (docs/domain.md §2.5): who owes each invoice, credit invoices a payer can
            // reference, what payers were seen paying, candidates for an operator, and each deposit's reconciliation.
            try db.execute(
                sql: """
                    ALTER TABLE receivable ADD COLUMN debtorIdentity TEXT;
                    ALTER TABLE receivable ADD COLUMN debtorKey TEXT NOT NULL DEFAULT '';
                    UPDATE receivable SET debtorKey = 'name:' || lower(trim(debtorName));
                    CREATE INDEX receivable_by_creditor_debtor ON receivable(creditorID, debtorKey);
                    ALTER TABLE payment ADD COLUMN payerSwishNumber TEXT;
                    UPDATE allocation SET matchedBy = 'ocr' WHERE matchedBy = 'free-text-ocr';
                    UPDATE allocation SET matchedBy = 'invoice-number' WHERE matchedBy = 'free-text-invoice-number';
                    UPDATE allocation SET matchedBy = 'manual' WHERE matchedBy = 'link';
                    CREATE TABLE credit_invoice (
                        invoiceID TEXT PRIMARY KEY NOT NULL,
                        creditorID TEXT NOT NULL,
                        invoiceNumber TEXT NOT NULL,
                        ocr TEXT NOT NULL,
                        currency TEXT NOT NULL,
                        amount INTEGER NOT NULL,
                        debtorKey TEXT NOT NULL,
                        debtorName TEXT NOT NULL,
                        originalInvoiceID TEXT
                    );
                    CREATE INDEX credit_invoice_by_creditor_ocr ON credit_invoice(creditorID, ocr);
                    CREATE INDEX credit_invoice_by_creditor_number ON credit_invoice(creditorID, invoiceNumber);
                    CREATE TABLE credit_use (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        creditInvoiceID TEXT NOT NULL,
                        debitInvoiceID TEXT NOT NULL,
                        amount INTEGER NOT NULL,
                        paymentID TEXT,
                        state TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    CREATE INDEX credit_use_by_credit ON credit_use(creditInvoiceID, state);
                    CREATE INDEX credit_use_by_payment ON credit_use(paymentID);
                    CREATE TABLE payer_link (
                        creditorID TEXT NOT NULL,
                        payerKey TEXT NOT NULL,
                        debtorKey TEXT NOT NULL,
                        paymentID TEXT NOT NULL,
                        PRIMARY KEY (creditorID, payerKey, debtorKey)
                    );
                    CREATE TABLE payment_candidate (
                        paymentID TEXT NOT NULL,
                        invoiceID TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        PRIMARY KEY (paymentID, invoiceID)
                    );
                    CREATE TABLE deposit_reconciliation (
                        fileKey TEXT NOT NULL,
                        payeeBankgiro TEXT NOT NULL,
                        paymentDate TEXT NOT NULL,
                        depositSerialNumber TEXT NOT NULL,
                        total INTEGER NOT NULL,
                        booked INTEGER NOT NULL,
                        unmatched INTEGER NOT NULL,
                        deductions INTEGER NOT NULL,
                        creditsApplied INTEGER NOT NULL,
                        PRIMARY KEY (fileKey, payeeBankgiro, paymentDate, depositSerialNumber)
                    );
                    CREATE INDEX deposit_reconciliation_by_date ON deposit_reconciliation(paymentDate);
                    """
            )
        }
    }
}
