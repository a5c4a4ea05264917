import KvittContracts
import KvittMessaging

/// Changes a draft's due date. A sent invoice's due date never changes: the debtor has it in writing.
struct ChangeDueDateHandler: MessageHandler {
    func handle(_ command: ChangeDueDate, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(command.invoiceID, context.db) else {
            return try context.reject([FieldError("invoiceID", "no invoice '\(command.invoiceID)'")])
        }
        guard invoice.status == .draft else {
            return try context.reject([
                FieldError(
                    "dueDate",
                    "a sent invoice's due date cannot be changed; postpone the next automatic event instead "
                        + "(debt-collection.postpone-next-event.v1)"
                )
            ])
        }
        var created = try invoice.createdEvent
        guard command.dueDate >= created.invoiceDate else {
            return try context.reject([FieldError("dueDate", "must not be before the invoice date")])
        }
        created.dueDate = command.dueDate
        invoice.dueDate = command.dueDate.description
        invoice.created = .init(try MessageCoding.encode(created))
        try InvoiceStore.update(invoice, event: "due-date-changed", detail: "due \(command.dueDate)", context: context)
    }
}
