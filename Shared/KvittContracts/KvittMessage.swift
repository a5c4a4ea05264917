/// A message that travels over the broker: a command or an event with a fixed wire name.
///
/// The wire name lives on the type, so that registering a handler or publishing a value needs nothing else:
/// ```swift
/// struct InvoiceIssued: KvittMessage {
///     static let messageType: MessageType = "invoicing.invoice-issued.v1"
///     var invoiceID: String
/// }
/// ```
public protocol KvittMessage: Codable, Sendable {
    /// The stable wire name, used as routing key and AMQP `type` property.
    static var messageType: MessageType { get }
}
