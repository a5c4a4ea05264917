import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Changes how an invoice's debtor is reached (address, e-mail, preferred channel, Peppol id), on a draft or a sent
/// invoice. The debtor's name and identity never change here: they are who owes the money. The stored draft and
/// issued events get the new contact, so everything invoicing shows or sends later has it, and
/// `invoicing.debtor-contact-changed.v1` tells delivery, which re-routes the letters it has not delivered yet.
struct ChangeDebtorContactHandler: MessageHandler {
    func handle(_ command: ChangeDebtorContact, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(command.invoiceID, context.db) else {
            return try context.reject([FieldError("invoiceID", "no invoice '\(command.invoiceID)'")])
        }
        var created = try invoice.createdEvent
        var debtor = created.debtor
        debtor.address = command.address
        debtor.email = command.email?.trimmingCharacters(in: .whitespaces)
        debtor.preferredChannel = command.preferredChannel
        debtor.peppolID = command.peppolID?.trimmingCharacters(in: .whitespaces)
        var errors = DebtorContactRules.errors(
            email: debtor.email,
            preferredChannel: debtor.preferredChannel,
            peppolID: debtor.peppolID,
            prefix: ""
        )
        // The same address rules as create-invoice's, so no change lets in what an invoice could not have been
        // created with.
        errors += DebtorAddressRules.errors(debtor.address, domestic: debtor.isDomestic, prefix: "")
        guard errors.isEmpty else { return try context.reject(errors) }
        guard debtor != created.debtor else { return }

        created.debtor = debtor
        invoice.created = Data(try MessageCoding.encode(created))
        if var issued = try invoice.issuedEvent {
            issued.debtor = debtor
            invoice.issued = Data(try MessageCoding.encode(issued))
        }
        // The history counts the changes: this one is the next, and delivery orders the changes by it.
        let revision =
            try Int.fetchOne(
                context.db,
                sql: "SELECT COUNT(*) FROM invoice_history WHERE invoiceID = ? AND event = ?",
                arguments: [invoice.id, Self.historyEvent]
            ) ?? 0
        try InvoiceStore.update(
            invoice,
            event: Self.historyEvent,
            detail: Self.summary(debtor),
            context: context
        )
        try context.publish(
            DebtorContactChanged(
                invoiceID: invoice.id,
                debtor: debtor,
                on: CalendarDate.today(at: context.now),
                revision: revision + 1
            )
        )
    }

    /// The history event of a contact change, which also numbers the changes.
    static let historyEvent = "debtor-contact-changed"

    /// The history line: which ways of reaching the debtor there are now, without the personal details themselves.
    static func summary(_ debtor: Debtor) -> String {
        var parts: [String] = []
        if debtor.address != nil { parts.append("postal address") }
        if debtor.email != nil { parts.append("e-mail") }
        if debtor.peppolID != nil { parts.append("Peppol id") }
        let channel = debtor.preferredChannel.map { "preferred channel \($0.rawValue)" } ?? "no preferred channel"
        return (parts.isEmpty ? "no contact" : parts.joined(separator: ", ")) + "; " + channel
    }
}
