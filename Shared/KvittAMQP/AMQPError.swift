/// What went wrong talking to the broker.
public enum AMQPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL could not be parsed.
    case invalidURL(String)
    /// TCP or TLS connection, or login, failed.
    case connectionFailed(String)
    /// The broker closed the connection or a channel (code and text from the broker).
    case closedByBroker(code: UInt16, text: String)
    /// A library or socket error while talking to the broker.
    case library(String)
    /// The broker returned an unroutable `mandatory` message.
    case unroutable(code: UInt16, text: String)
    /// The broker refused a publish with `basic.nack`.
    case nacked
    /// The connection was shut down before the operation completed.
    case shutdown
    /// The operation did not complete in time.
    case timeout(String)
    /// This one message cannot be published as it is: the broker closed the channel over it (a `user_id` that is
    /// not the connection's user, a body over the broker's maximum, an exchange that does not exist or is not
    /// permitted), or it failed a check before sending (properties that do not fit in a frame, a short string over
    /// 255 bytes, a body over the configured maximum). Sending it again gives the same answer.
    case refused(code: UInt16, text: String)

    public var description: String {
        switch self {
        case .invalidURL(let detail): "invalid AMQP URL: \(detail)"
        case .connectionFailed(let detail): "cannot connect to the broker: \(detail)"
        case .closedByBroker(let code, let text): "broker closed the channel: \(code) \(text)"
        case .library(let detail): "AMQP error: \(detail)"
        case .unroutable(let code, let text): "message returned as unroutable: \(code) \(text)"
        case .nacked: "broker refused the message (basic.nack)"
        case .shutdown: "AMQP connection shut down"
        case .timeout(let what): "timed out: \(what)"
        case .refused(let code, let text): "message refused: \(code == 0 ? "" : "\(code) ")\(text)"
        }
    }
}
