import KvittContracts
import KvittMessaging

extension HandlerContext {
    /// Refuses the command being handled: publishes invoicing.command-rejected.v1 with every field error.
    func reject(_ errors: [FieldError]) throws {
        logger.info(
            "command rejected",
            metadata: ["errors": "\(PersonalDataMasking.mask(errors.map(\.description).joined(separator: "; ")))"]
        )
        try publish(
            InvoicingCommandRejected(
                rejection: CommandRejection(
                    commandID: envelope.messageID,
                    commandType: envelope.type.rawValue,
                    errors: errors
                )
            )
        )
    }

    /// What a history line records about the message being handled.
    var historyInfo: HandlerContextInfo {
        HandlerContextInfo(now: now, messageID: envelope.messageID, messageType: envelope.type.rawValue)
    }
}
