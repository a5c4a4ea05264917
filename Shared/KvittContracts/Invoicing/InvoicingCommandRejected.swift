/// Invoicing refused a well-formed command; nothing changed.
public struct InvoicingCommandRejected: CommandRejectedMessage, Equatable {
    public static let messageType: MessageType = "invoicing.command-rejected.v1"
    public var rejection: CommandRejection
    public init(rejection: CommandRejection) { self.rejection = rejection }
}
