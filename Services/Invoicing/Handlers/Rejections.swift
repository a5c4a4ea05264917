import KvittContracts
import KvittMessaging

extension HandlerContext {
    /// Refuses the command being handled with invoicing.command-rejected.v1.
    func reject(_ errors: [FieldError]) throws {
        try reject(errors, as: InvoicingCommandRejected.self)
    }

    /// What a history line records about the message being handled.
    var historyInfo: HandlerContextInfo {
        HandlerContextInfo(now: now, messageID: envelope.messageID, messageType: envelope.type.rawValue)
    }
}
