import Foundation
import KvittContracts
import KvittMessaging

/// Creates a draft invoice. The same external id for the same creditor is one invoice: a repeat changes nothing.
struct CreateInvoiceHandler: MessageHandler {
    func handle(_ command: CreateInvoice, context: HandlerContext) throws {
        try Self.create(command, context: context)
    }

    /// Creates the draft, or rejects the command with its field errors; also used for invoices invoicing raises
    /// itself (the refused part of a ROT/RUT claim). Returns whether a draft exists for the external id now.
    @discardableResult
    static func create(_ command: CreateInvoice, context: HandlerContext) throws -> Bool {
        if let existing = try InvoiceRecord.find(
            creditorID: command.creditorID,
            externalID: command.externalID,
            context.db
        ) {
            context.logger.info(
                "invoice already exists for this external id",
                metadata: ["invoice.id": "\(existing.id)"]
            )
            return true
        }
        let creditor = try CreditorRecord.fetchOne(context.db, key: command.creditorID)?.registration
        var errors = InvoiceValidation.errors(command, creditor: creditor, today: context.now)
        let currency = Currency(code: command.currency) ?? .sek
        var priced: InvoicePricing.Priced?
        switch InvoicePricing.price(command.lines, currency: currency) {
        case .success(let result): priced = result
        case .failure(let lineErrors): errors += lineErrors.errors
        }
        var reduction: TaxReductionDetail?
        // Its sums only mean something for lines that passed every other check.
        if errors.isEmpty, let priced, let request = command.taxReduction {
            do {
                reduction = try InvoicePricing.taxReductionDetail(priced.lines, request: request, currency: currency)
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty, let creditor, let priced,
            let dueDate = InvoiceValidation.dueDate(command, creditor: creditor)
        else {
            try context.reject(
                errors.isEmpty ? [FieldError("dueDate", "no due date within the supported dates")] : errors
            )
            return false
        }

        let event = InvoiceCreated(
            invoiceID: RandomIdentifier.make(),
            creditorID: command.creditorID,
            externalID: command.externalID,
            kind: priced.totals.total.isNegative ? "credit" : "debit",
            debtor: command.debtor,
            invoiceDate: command.invoiceDate,
            dueDate: dueDate,
            lines: priced.lines,
            totals: priced.totals,
            taxReduction: reduction
        )
        try InvoiceStore.insertDraft(event, context: context)
        try context.publish(event)
        return true
    }
}
