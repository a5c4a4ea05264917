import Foundation
import GRDB
import KvittContracts
import Logging

/// What a handler may use while it runs: the open transaction, the message's envelope, the time, and the outbox.
///
/// Valid only during ``MessageHandler/handle(_:context:)``; it is tied to the transaction.
public final class HandlerContext {
    /// The transaction the handler's writes belong to.
    public let db: Database
    /// The envelope of the message being handled.
    public let envelope: MessageEnvelope
    /// Whether the broker delivered this message before.
    public let redelivered: Bool
    /// "Now" from the service's clock (fixed for the whole batch).
    public let now: Date
    /// A logger with `message.id` and `message.type` set.
    public let logger: Logger
    /// The name of the handling service (`app_id` of everything it publishes).
    public let serviceName: String
    /// How many times this message was retried after transient failures (0 on the first attempt).
    public let retryCount: Int
    /// The W3C trace context every message the handler publishes carries: the span of this message's handling.
    let trace: (parent: String?, state: String?)

    init(
        db: Database,
        envelope: MessageEnvelope,
        redelivered: Bool,
        retryCount: Int,
        now: Date,
        logger: Logger,
        serviceName: String,
        trace: (parent: String?, state: String?) = (nil, nil)
    ) {
        self.trace = trace
        self.db = db
        self.retryCount = retryCount
        self.envelope = envelope
        self.redelivered = redelivered
        self.now = now
        self.logger = logger
        self.serviceName = serviceName
    }

    /// What the handler published, written to the outbox when it returns (``writeOutbox()``; a context serves one
    /// message).
    private var published: [(envelope: MessageEnvelope, body: [UInt8])] = []

    /// Writes an event (or command) to the outbox; it is published after the transaction commits.
    ///
    /// The new message has this one as its cause and shares its correlation id. Messages of one type that one
    /// handler publishes travel together as a ``MessageBundle``: in their order, but after the first message of
    /// each type published before them.
    @discardableResult
    public func publish<Message: KvittMessage>(_ message: Message, messageID: String? = nil) throws -> MessageEnvelope {
        var outgoing = envelope.caused(
            type: Message.messageType,
            messageID: messageID ?? RandomIdentifier.make(),
            appID: serviceName,
            at: now
        )
        outgoing.traceParent = trace.parent
        outgoing.traceState = trace.state
        published.append((outgoing, try MessageCoding.encode(message)))
        return outgoing
    }

    /// Writes what the handler published to the outbox, in the handler's transaction: a type published once as a
    /// message of its own, a type published more than once as bundles (at most ``MessageBundle/maximumCount``
    /// messages and about ``MessageBundle/targetBytes`` each; a part of one message is a plain message).
    func writeOutbox() throws {
        var types: [MessageType] = []
        var positions: [MessageType: [Int]] = [:]
        for (index, message) in published.enumerated() {
            if positions[message.envelope.type] == nil { types.append(message.envelope.type) }
            positions[message.envelope.type, default: []].append(index)
        }
        for type in types {
            for part in Self.parts(of: positions[type] ?? [], sizes: { published[$0].body.count }) {
                if part.count == 1 {
                    try Outbox.enqueue(body: published[part[0]].body, envelope: published[part[0]].envelope, in: db)
                    continue
                }
                var shared = published[part[0]].envelope
                shared.messageID = RandomIdentifier.make()
                let entries = part.map {
                    MessageBundle.Entry(messageID: published[$0].envelope.messageID, body: published[$0].body)
                }
                try Outbox.enqueue(body: MessageBundle.encode(entries), envelope: shared, count: part.count, in: db)
            }
        }
    }

    /// Consecutive runs of `indices` within the bundle limits.
    static func parts(of indices: [Int], sizes: (Int) -> Int) -> [[Int]] {
        var parts: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for index in indices {
            let size = sizes(index) + 72
            if !current.isEmpty
                && (current.count == MessageBundle.maximumCount || bytes + size > MessageBundle.targetBytes)
            {
                parts.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// Refuses the command being handled: publishes the service's command-rejected event with every field error,
    /// and changes nothing else. Personal identity numbers in the errors are masked in the log line.
    public func reject<Rejected: CommandRejectedMessage>(_ errors: [FieldError], as type: Rejected.Type) throws {
        logger.info(
            "command rejected",
            metadata: ["errors": "\(PersonalDataMasking.mask(errors.map(\.description).joined(separator: "; ")))"]
        )
        try publish(
            Rejected(
                rejection: CommandRejection(
                    commandID: envelope.messageID,
                    commandType: envelope.type.rawValue,
                    errors: errors
                )
            )
        )
    }
}
