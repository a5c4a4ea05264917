import Hummingbird
import KvittContracts

/// The bearer token of a service's HTTP API (`API_TOKEN`). Its value never shows: the description, the debug
/// description and reflection all hide it, so that logging the settings cannot leak it.
public struct APIToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shorter tokens are refused: a guessable token protects nothing.
    public static let minimumLength = 16

    private let bytes: [UInt8]

    /// A token of at least ``minimumLength`` visible ASCII characters (no spaces, which a header would not carry
    /// unchanged); nil otherwise.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= Self.minimumLength, bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        self.bytes = bytes
    }

    public var description: String { "(secret)" }
    public var debugDescription: String { "(secret)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// Whether `presented` is the token. The time taken depends on the length of `presented` only, never on how much
    /// of it is right, so that a caller cannot find the token a byte at a time.
    public func matches(_ presented: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = bytes.count == presented.count ? 0 : 1
        for (index, byte) in presented.enumerated() {
            difference |= byte ^ bytes[index % bytes.count]
        }
        return difference == 0
    }

    /// The token `API_TOKEN` gives; nil when it is not set.
    /// - Throws: ``ServiceSettings/InvalidSetting`` naming `API_TOKEN` (never showing its value) for a token too short
    ///   or with characters a header cannot carry.
    public static func read(_ configuration: KvittConfiguration) throws(ServiceSettings.InvalidSetting) -> APIToken? {
        guard let found = configuration.lookup(.apiToken) else { return nil }
        guard let token = APIToken(found.text) else {
            throw configuration.invalid(
                .apiToken,
                expected: "at least \(minimumLength) visible ASCII characters without spaces",
                value: found
            )
        }
        return token
    }
}

/// Requires `Authorization: Bearer <API_TOKEN>` on every route added after it, and on unknown paths, except the open
/// ones (health and metrics, which probes and Prometheus read without credentials). A request without the right
/// token is answered 401 with `WWW-Authenticate: Bearer` and a JSON error, before any route runs; neither the token
/// nor what was presented is logged.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The paths answered without a token.
    public static var openPaths: Set<String> { bearerTokenOpenPaths }

    let token: APIToken

    /// Requires `token`.
    public init(token: APIToken) {
        self.token = token
    }

    /// Why a request is refused.
    enum Refusal {
        case missing, invalid

        var message: String {
            switch self {
            case .missing: "this API needs Authorization: Bearer <token> (API_TOKEN)"
            case .invalid: "the bearer token is not valid"
            }
        }

        /// RFC 6750's challenge: `invalid_token` only when a token was presented.
        var challenge: String {
            switch self {
            case .missing: "Bearer realm=\"kvitt\""
            case .invalid: "Bearer realm=\"kvitt\", error=\"invalid_token\""
            }
        }
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if Self.openPaths.contains(request.uri.path) { return try await next(request, context) }
        if let refusal = refusal(request.headers[.authorization]) {
            return try Self.unauthorized(refusal)
        }
        return try await next(request, context)
    }

    /// Nil when `authorization` carries the token.
    func refusal(_ authorization: String?) -> Refusal? {
        guard let authorization else { return .missing }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        // The scheme is case-insensitive (RFC 9110 section 11.1).
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .missing }
        let presented = parts[1].trimmingSpaces
        return token.matches(presented.utf8) ? nil : .invalid
    }

    static func unauthorized(_ refusal: Refusal) throws -> Response {
        Response(
            status: .unauthorized,
            headers: [.contentType: "application/json", .wwwAuthenticate: refusal.challenge],
            body: ResponseBody(
                byteBuffer: ByteBuffer(bytes: try MessageCoding.encode(Body(error: .init(message: refusal.message))))
            )
        )
    }

    private struct Body: Encodable {
        struct Problem: Encodable {
            let message: String
        }

        let error: Problem
    }
}

/// ``BearerTokenMiddleware/openPaths``, made once: the middleware is generic, so it cannot hold a stored static, and
/// it reads the set on every request.
private let bearerTokenOpenPaths: Set<String> = ["/health/live", "/health/ready", "/metrics"]

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
