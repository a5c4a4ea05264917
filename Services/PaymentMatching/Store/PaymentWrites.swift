import GRDB
import KvittContracts

/// The writes on the matching hot path, as cached statements: GRDB's record `insert`/`update` encode every column
/// through Codable on each call, which was a fifth of the import's time in profiles.
enum PaymentWrites {
    static func insert(_ payment: PaymentRecord, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO payment (id, source, sourceID, amount, currency, paymentDate, reference, message, payerName,
                    payerBankgiro, payerOrganisationNumber, payerSwishNumber, creditorID, payeeBankgiro, status, unapplied,
                    note, registeredAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            payment.id, payment.source, payment.sourceID, payment.amount, payment.currency, payment.paymentDate,
            payment.reference, payment.message, payment.payerName, payment.payerBankgiro,
            payment.payerOrganisationNumber, payment.payerSwishNumber,
            payment.creditorID, payment.payeeBankgiro, payment.status.rawValue, payment.unapplied, payment.note,
            payment.registeredAt,
        ])
    }

    static func updateState(_ payment: PaymentRecord, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE payment SET status = ?, unapplied = ?, note = ? WHERE id = ?")
            .execute(arguments: [payment.status.rawValue, payment.unapplied, payment.note, payment.id])
    }

    static func insertAllocation(
        paymentID: String,
        invoiceID: String,
        amount: Int64,
        matchedBy: PaymentMatchMethod,
        at: Double,
        _ db: Database
    ) throws {
        try db.cachedStatement(
            sql: "INSERT INTO allocation (paymentID, invoiceID, amount, matchedBy, at) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [paymentID, invoiceID, amount, matchedBy.rawValue, at])
    }
}
