import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Where and how the service hands mail over (`SMTP_HOST`, `SMTP_PORT`, `SMTP_FROM`, `SMTP_STARTTLS`).
struct SMTPSettings: Sendable, Equatable {
    var host: String
    var port: Int
    /// The envelope and header sender.
    var from: String
    var startTLS: StartTLS
    /// The name the client gives in `EHLO`.
    var clientName: String = "kvitt-delivery"
    /// The longest one whole conversation may take.
    var timeout: Duration = .seconds(30)
    /// A PEM file of certificate authorities trusted for the server's STARTTLS certificate besides the system's
    /// (a company relay with a private CA). The server's name (or IP address) is always checked against it.
    var certificateAuthorities: URL? = nil

    /// Whether the conversation is encrypted with STARTTLS before the message is sent.
    enum StartTLS: String, Sendable, Equatable {
        /// Never (a mail relay on the same host or network, or a test server).
        case off
        /// Always; a server that does not offer it is refused (the mail is not sent in the clear).
        case required
    }
}

/// How a delivery attempt ended, by what the next attempt may do.
enum SMTPFailure: Error, Equatable, CustomStringConvertible {
    /// Nothing was accepted and trying later may work: a 4xx reply, a refused or lost connection before the end of
    /// the message, a timeout before it.
    case transient(String)
    /// The server refused for good (a 5xx reply): sending the same again would be refused again.
    case permanent(String)
    /// The connection failed after the whole message was sent and before the server's answer: it may have been
    /// accepted, so it must not be sent again automatically.
    case inDoubt(String)

    var description: String {
        switch self {
        case .transient(let text), .permanent(let text), .inDoubt(let text): text
        }
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO, with STARTTLS (RFC 3207) through NIOSSL: one message per
/// connection, which is all delivery needs, so no SMTP library is brought in for it.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    /// The STARTTLS context, made once per client (the system's trust store and `SMTP_CA_FILE` are read then, not
    /// for every mail); a context that could not be made fails each STARTTLS session with its reason.
    private let tlsContext: Result<NIOSSLContext, any Error>

    init(settings: SMTPSettings) {
        self.settings = settings
        tlsContext = Result { try Self.makeTLSContext(settings) }
    }

    /// The client's TLS context: the system's trust roots and, when given, the settings' own certificate authorities.
    static func makeTLSContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let authorities = settings.certificateAuthorities {
            configuration.additionalTrustRoots = [.file(authorities.path)]
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Sends one message. `beforeEndOfMessage` runs after the server took everything but the final `.`: the caller
    /// records there that the message may be accepted from now on (the in-doubt window is the one round trip).
    /// Returns the server's answer to the message (its queue id, usually).
    func send(
        to recipient: String,
        message: [UInt8],
        beforeEndOfMessage: @escaping @Sendable () async throws -> Void
    ) async throws(SMTPFailure) -> String {
        let settings = settings
        let tlsContext = tlsContext
        let endSent = EndOfMessageFlag()
        do {
            return try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await Self.converse(
                        settings,
                        tlsContext: tlsContext,
                        recipient: recipient,
                        message: message,
                        endSent: endSent,
                        beforeEnd: beforeEndOfMessage
                    )
                }
                group.addTask {
                    try await Task.sleep(for: settings.timeout)
                    let what = "no answer within \(settings.timeout)"
                    throw endSent.isMarked ? SMTPFailure.inDoubt(what) : SMTPFailure.transient(what)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let failure as SMTPFailure {
            throw failure
        } catch {
            let what = "\(settings.host):\(settings.port): \(error)"
            throw endSent.isMarked ? .inDoubt(what) : .transient(what)
        }
    }

    private static func converse(
        _ settings: SMTPSettings,
        tlsContext: Result<NIOSSLContext, any Error>,
        recipient: String,
        message: [UInt8],
        endSent: EndOfMessageFlag,
        beforeEnd: @escaping @Sendable () async throws -> Void
    ) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            func command(_ line: String, expecting codes: Set<Int>) async throws -> SMTPReply {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                return try await replies.next().expect(codes, after: line)
            }
            _ = try await replies.next().expect([220], after: "connect")
            let hello = try await command("EHLO \(settings.clientName)", expecting: [250])
            if settings.startTLS == .required {
                guard hello.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw SMTPFailure.permanent("\(settings.host) does not offer STARTTLS, and SMTP_STARTTLS=required")
                }
                _ = try await command("STARTTLS", expecting: [220])
                // Anything the server sent after its 220 came in plain text and must not be read as if it came
                // through TLS (the STARTTLS command injection of CVE-2011-0411).
                guard replies.pending.isEmpty else {
                    throw SMTPFailure.transient(
                        "\(settings.host) sent plain-text data after its STARTTLS answer (refused: possible STARTTLS "
                            + "injection)"
                    )
                }
                let context = try tlsContext.get()
                // An IP address is not a server name (SNI refuses it); without one NIOSSL checks the certificate
                // against the address it is connected to.
                let host = settings.host
                let serverName = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
                try await channel.channel.eventLoop.submit {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    try channel.channel.pipeline.syncOperations.addHandler(handler, position: .first)
                }.get()
                _ = try await command("EHLO \(settings.clientName)", expecting: [250])
            }
            _ = try await command("MAIL FROM:<\(settings.from)>", expecting: [250])
            _ = try await command("RCPT TO:<\(recipient)>", expecting: [250, 251])
            _ = try await command("DATA", expecting: [354])
            try await outbound.write(ByteBuffer(bytes: SMTPMessage.dotStuffed(message)))
            try await beforeEnd()
            let answer: SMTPReply
            do {
                endSent.mark()
                try await outbound.write(ByteBuffer(string: ".\r\n"))
                answer = try await replies.next()
            } catch {
                throw SMTPFailure.inDoubt("the connection failed after the whole message was sent: \(error)")
            }
            // An explicit refusal of the message means it was not accepted, so it may be retried or parked.
            let accepted = try answer.expect([250], after: "the end of the message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            return accepted.text
        }
    }
}

/// Set once the final `.` of a message is on its way: from then on a failure leaves the message in doubt.
final class EndOfMessageFlag: Sendable {
    private let sent = Atomic<Bool>(false)
    func mark() { sent.store(true, ordering: .sequentiallyConsistent) }
    var isMarked: Bool { sent.load(ordering: .sequentiallyConsistent) }
}

/// One SMTP reply: its code and its lines' texts.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]
    var text: String { "\(code) \(lines.joined(separator: " / "))" }

    /// The reply when its code is one of `codes`; a failure by the code's class otherwise.
    func expect(_ codes: Set<Int>, after step: String) throws(SMTPFailure) -> SMTPReply {
        if codes.contains(code) { return self }
        let what = "\(text) (after \(step.hasPrefix("RCPT") || step.hasPrefix("MAIL") ? "\(step.prefix(4))" : step))"
        throw (500..<600).contains(code) ? .permanent(what) : .transient(what)
    }
}

/// Reads replies (possibly of several lines, `250-…` then `250 …`) from the connection.
struct SMTPReplyReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending: [UInt8] = []

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    /// The longest reply line accepted: RFC 5321 allows 512 octets; a server sending more is not an SMTP server.
    static let maximumLineBytes = 4096

    mutating func next() async throws -> SMTPReply {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                throw SMTPFailure.transient("not an SMTP reply: \(line.prefix(80))")
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { return SMTPReply(code: code, lines: lines) }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count <= Self.maximumLineBytes else {
                throw SMTPFailure.transient("a reply line longer than \(Self.maximumLineBytes) bytes")
            }
            guard var buffer = try await iterator.next() else {
                throw SMTPFailure.transient("the server closed the connection")
            }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }
}
