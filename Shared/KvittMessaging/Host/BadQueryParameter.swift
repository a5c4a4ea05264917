import Hummingbird
import KvittContracts

/// A query parameter the read API refuses, as its HTTP answer: 400 with ``BadRequestBody``.
public struct BadQueryParameter: HTTPResponseError {
    public let problem: InvalidQueryParameter

    public init(problem: InvalidQueryParameter) {
        self.problem = problem
    }

    public var status: HTTPResponse.Status { .badRequest }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try Self.body(problem)))
        )
    }

    /// The JSON body for a problem.
    public static func body(_ problem: InvalidQueryParameter) throws -> [UInt8] {
        try MessageCoding.encode(BadRequestBody([FieldError(problem.parameter, problem.reason)]))
    }

    /// Reads a request's query with `read`, which knows the parameters `known`; a parameter it refuses is answered 400.
    public static func read<Value>(
        _ request: Request,
        known: Set<String>,
        _ read: (QueryParameters) throws(InvalidQueryParameter) -> Value
    ) throws(BadQueryParameter) -> Value {
        do {
            let pairs = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
            return try read(try QueryParameters(pairs, known: known))
        } catch {
            throw BadQueryParameter(problem: error)
        }
    }

    /// Refuses any query parameter: the endpoint takes none.
    public static func requireNone(_ request: Request) throws(BadQueryParameter) {
        try read(request, known: []) { _ in }
    }
}

/// The body of every 400 the read APIs answer, in every service:
/// `{"error": {"field": "closedTo", "message": "…"}, "errors": [{"field": …, "message": …}, …]}`.
/// `error` is the first problem, in the shape of Hummingbird's own error bodies with the field added; `errors` is every
/// problem found (at most ``maximumReported``), for a caller that fixes a request in one go.
public struct BadRequestBody: Encodable, Sendable {
    /// The most problems one answer lists: a query of thousands of bad parameters gets a short answer.
    public static let maximumReported = 20

    public let error: FieldError
    public let errors: [FieldError]

    /// - Precondition: `problems` is not empty.
    public init(_ problems: [FieldError]) {
        precondition(!problems.isEmpty, "a 400 names at least one problem")
        error = problems[0]
        errors = Array(problems.prefix(Self.maximumReported))
    }

    /// The 400 response.
    public func response() throws -> Response {
        var response = try JSONResponse.make(self)
        response.status = .badRequest
        return response
    }
}
