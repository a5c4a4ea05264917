import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Writes to the invoice tables inside a handler's transaction, with a history line for each change.
enum InvoiceStore {
    /// - Parameter creditedLines: on a credit invoice, which of its original's lines it credits (JSON).
    static func insertDraft(_ event: InvoiceCreated, creditedLines: String? = nil, context: HandlerContext) throws {
        let record = InvoiceRecord(
            id: event.invoiceID,
            creditorID: event.creditorID,
            externalID: event.externalID,
            kind: event.kind,
            status: .draft,
            reductionState: event.taxReduction == nil ? .none : .pending,
            reductionAmount: 0,
            reductionDetail: nil,
            reductionBuyers: nil,
            creditedLines: creditedLines,
            number: nil,
            ocr: nil,
            currency: event.totals.total.currency.code,
            invoiceDate: event.invoiceDate.description,
            dueDate: event.dueDate.description,
            debtorName: event.debtor.name,
            debtorIdentity: event.debtor.identityNumber.map(normalisedIdentity),
            total: event.totals.total.amount,
            amountDue: event.totals.total.amount,
            credited: 0,
            creditApplied: 0,
            paid: 0,
            fees: 0,
            originalInvoiceID: event.originalInvoiceID,
            created: Data(try MessageCoding.encode(event)),
            issued: nil,
            issuedAt: nil,
            closedAt: nil
        )
        try record.insert(context.db)
        try InvoiceHistoryRecord.record(
            "created",
            detail: "\(event.kind) draft, total \(event.totals.total)",
            invoiceID: event.invoiceID,
            context: context.historyInfo,
            context.db
        )
    }

    /// Identity numbers are stored digits-only so that `19811218-9876` and `198112189876` find the same debtor.
    static func normalisedIdentity(_ text: String) -> String {
        String(text.filter { $0.isASCII && $0.isNumber })
    }

    static func update(_ record: InvoiceRecord, event: String, detail: String, context: HandlerContext) throws {
        try record.update(context.db)
        try InvoiceHistoryRecord.record(
            event,
            detail: detail,
            invoiceID: record.id,
            context: context.historyInfo,
            context.db
        )
    }

    /// Closes an issued invoice whose balance reached zero.
    static func closeIfSettled(_ record: inout InvoiceRecord, at now: Date) {
        if record.status == .issued && record.balance == 0 {
            record.status = .closed
            record.closedAt = now.timeIntervalSince1970
        }
    }
}
