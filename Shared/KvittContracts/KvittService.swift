/// One of Kvitt's five services, by the name of its queues (`<service>`, `<service>.retry.<delay>`,
/// `<service>.dead-letter`) and its routing key on the dead-letter exchange.
public enum KvittService: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case invoicing
    case paymentMatching = "payment-matching"
    case debtCollection = "debt-collection"
    case taxReduction = "tax-reduction"
    case delivery

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Every message type this service consumes, sorted: its queue's bindings.
    public var consumedTypes: [MessageType] { MessageCatalogue.consumedTypes(of: self) }
}
