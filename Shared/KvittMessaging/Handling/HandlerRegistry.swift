import GRDB
import KvittContracts

/// The message types a service handles, each with its handler; registering is one line per type.
///
/// The registry is the single source for decoding, for the service queue's bindings and for the failure policy:
/// ```swift
/// var registry = HandlerRegistry()
/// registry.register(CreateInvoiceHandler(store: store))
/// ```
public struct HandlerRegistry: Sendable {
    /// A decoded message ready to run against a context.
    typealias Prepared = @Sendable (HandlerContext) throws -> Void

    struct Entry: Sendable {
        let decode: @Sendable ([UInt8]) throws -> Prepared
    }

    private(set) var entries: [MessageType: Entry] = [:]

    public init() {}

    /// Registers the handler for its message type.
    ///
    /// Registering a type twice is a programming error and stops the service at start-up.
    public mutating func register<Handler: MessageHandler>(_ handler: Handler) {
        let type = Handler.Message.messageType
        precondition(entries[type] == nil, "a handler for \(type) is already registered")
        entries[type] = Entry { body in
            let message = try MessageCoding.decode(Handler.Message.self, from: body)
            return { context in try handler.handle(message, context: context) }
        }
    }

    /// Whether a handler for the type is registered.
    public func handles(_ type: MessageType) -> Bool { entries[type] != nil }

    /// The registered message types, sorted: the routing keys the service queue is bound to.
    public var messageTypes: [MessageType] { entries.keys.sorted() }

    func entry(for type: MessageType) -> Entry? { entries[type] }
}
