/// A parsed AMQP URL: `amqp://user:pass@host:port/vhost` or `amqps://…` for TLS.
///
/// User, password and vhost are percent-decoded; an empty path is the default vhost `/`, and `%2F` spells `/`.
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    public var useTLS: Bool
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    public init(
        host: String = "127.0.0.1",
        port: Int? = nil,
        user: String = "guest",
        password: String = "guest",
        vhost: String = "/",
        useTLS: Bool = false
    ) {
        self.host = host
        self.port = port ?? (useTLS ? 5671 : 5672)
        self.user = user
        self.password = password
        self.vhost = vhost
        self.useTLS = useTLS
    }

    /// Parses an AMQP URL.
    /// - Throws: ``AMQPError/invalidURL(_:)`` naming what is wrong (never echoing the password).
    public init(parsing text: String) throws(AMQPError) {
        let useTLS: Bool
        var rest: Substring
        if text.hasPrefix("amqps://") {
            useTLS = true
            rest = text.dropFirst("amqps://".count)
        } else if text.hasPrefix("amqp://") {
            useTLS = false
            rest = text.dropFirst("amqp://".count)
        } else {
            throw .invalidURL("scheme must be amqp:// or amqps://")
        }
        var vhost = "/"
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let decoded = Self.percentDecoded(path) else {
                    throw .invalidURL("bad percent-encoding in vhost")
                }
                vhost = decoded
            }
            rest = rest[..<slash]
        }
        var user = "guest"
        var password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let decodedUser = Self.percentDecoded(parts[0]) else {
                throw .invalidURL("bad percent-encoding in user")
            }
            user = decodedUser
            if parts.count == 2 {
                guard let decodedPassword = Self.percentDecoded(parts[1]) else {
                    throw .invalidURL("bad percent-encoding in password")
                }
                password = decodedPassword
            }
        }
        var host = String(rest)
        var port = useTLS ? 5671 : 5672
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL("unterminated IPv6 address") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (1...65535).contains(number) else {
                    throw .invalidURL("port must be 1–65535")
                }
                port = number
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw .invalidURL("port must be 1–65535")
            }
            port = number
        }
        if host.isEmpty { host = "localhost" }
        self.init(host: host, port: port, user: user, password: password, vhost: vhost, useTLS: useTLS)
    }

    /// The URL with the password masked, for logs.
    public var description: String {
        let vhostPart = vhost == "/" ? "" : (vhost.addingPercentEncodingForPath())
        return "\(useTLS ? "amqps" : "amqp")://\(user):***@\(host):\(port)/\(vhostPart)"
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func addingPercentEncodingForPath() -> String {
        var result = ""
        for byte in utf8 {
            let scalar = Unicode.Scalar(byte)
            let unreserved =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            if unreserved || "-._~".unicodeScalars.contains(scalar) {
                result.append(Character(scalar))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }
}
