import Hummingbird
import KvittContracts
import Tracing

/// A server span per HTTP request, continuing the caller's W3C trace context when it is one (``MessageTracing/vetted(_:)``),
/// and the span's ids on every log line written while the request is handled.
///
/// Kvitt's own rather than Hummingbird's `TracingMiddleware`: that one records the query string and the user agent
/// as they come (a caller that wrongly puts a personnummer in a query would have it exported), and hands the whole
/// header set to the propagator, which logs its carrier when a trace header does not parse (the bearer token with it).
/// Here the span carries the method, the route pattern (never the path with its ids) and the status, and the
/// propagator sees two vetted headers only.
struct HTTPTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The first of each; a repeated trace header is not W3C trace context's concern here.
        let header = { (name: String) in request.headers.first { $0.name.canonicalName == name }?.value }
        let trace = MessageTracing.vetted(
            (header(MessageEnvelope.traceParentHeader), header(MessageEnvelope.traceStateHeader))
        )
        let span = startSpan(
            "HTTP \(request.method.rawValue)",
            context: MessageTracing.context(of: trace),
            ofKind: .server
        )
        defer { span.end() }
        span.attributes["http.request.method"] = request.method.rawValue
        do {
            let response = try await InstrumentationContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            record(Int(response.status.code), on: span, route: context.endpointPath, method: request.method)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(Int(status), on: span, route: context.endpointPath, method: request.method)
            throw error
        }
    }

    private func record(_ status: Int, on span: any Span, route: String?, method: HTTPRequest.Method) {
        // The route pattern (`/v1/invoices/{id}`), never the path: ids stay out of span names.
        let route = route ?? "unmatched"
        span.operationName = "\(method.rawValue) \(route)"
        span.attributes["http.route"] = route
        span.attributes["http.response.status_code"] = status
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}
