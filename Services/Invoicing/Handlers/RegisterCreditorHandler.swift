import Foundation
import KvittContracts
import KvittMessaging

/// Registers or updates a creditor. The number series never goes backwards on an update.
struct RegisterCreditorHandler: MessageHandler {
    func handle(_ command: RegisterCreditor, context: HandlerContext) throws {
        let errors = CreditorValidation.errors(command)
        guard errors.isEmpty else { return try context.reject(errors) }
        let existing = try CreditorRecord.fetchOne(context.db, key: command.creditorID)
        let record = CreditorRecord(
            id: command.creditorID,
            settings: Data(try MessageCoding.encode(command)),
            nextNumber: max(command.invoiceNumberSeries.start, existing?.nextNumber ?? 0),
            registeredAt: existing?.registeredAt ?? context.now.timeIntervalSince1970
        )
        try record.save(context.db)
        try context.publish(CreditorRegistered(creditor: command))
    }
}
