import Hummingbird
import KvittContracts

/// A query parameter the read API refuses, as its HTTP answer: 400 with
/// `{"error": {"field": "closedTo", "message": "…"}}`, the shape of Hummingbird's own error bodies with the parameter
/// added. The read APIs of invoicing, payment-matching and tax-reduction answer a refused parameter this way, with the
/// first problem only. Debt-collection does not use this type: its `CaseRoutes` collects every problem of a query and
/// answers `{"errors": [{"field": …, "message": …}, …]}`.
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
        try MessageCoding.encode(Body(error: .init(field: problem.parameter, message: problem.reason)))
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

    private struct Body: Encodable {
        struct Problem: Encodable {
            let field: String
            let message: String
        }

        let error: Problem
    }
}
