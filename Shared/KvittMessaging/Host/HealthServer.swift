import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// What `/health/ready` checks.
public struct ReadinessProbe: Sendable {
    /// Returns the failed checks; empty means ready.
    public let failures: @Sendable () async -> [String]
    /// Lines for an operator that do not make the service unready (held cases), listed after the verdict.
    public let attention: @Sendable () async -> [String]

    public init(
        failures: @escaping @Sendable () async -> [String],
        attention: @escaping @Sendable () async -> [String] = { [] }
    ) {
        self.failures = failures
        self.attention = attention
    }

    /// The status and body of `/health/ready`: 200 with `ready`, or 503 with one line per failed check; either way
    /// followed by the attention lines.
    public func answer() async -> (ready: Bool, body: String) {
        let failures = await failures()
        let lines = (failures.isEmpty ? ["ready"] : failures) + (await attention())
        return (failures.isEmpty, lines.joined(separator: "\n") + "\n")
    }
}

/// Builds the service's HTTP server: `GET /health/live`, `GET /health/ready`, `GET /metrics`, plus the service's
/// own read API routes.
public enum HealthServer {
    /// - Parameter apiToken: when given, every route but health and metrics (and every unknown path) needs
    ///   `Authorization: Bearer <token>` (``BearerTokenMiddleware``).
    public static func make(
        host: String,
        port: Int,
        registry: PrometheusCollectorRegistry,
        readiness: ReadinessProbe,
        apiToken: APIToken? = nil,
        beforeMetrics: @escaping @Sendable () async -> Void = {},
        routes: (Router<BasicRequestContext>) -> Void = { _ in },
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) -> any Service {
        let router = Router()
        router.get("/health/live") { _, _ in "live\n" }
        router.get("/health/ready") { _, _ -> Response in
            let (ready, text) = await readiness.answer()
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text))
            )
        }
        router.get("/metrics") { _, _ -> Response in
            await beforeMetrics()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        // Hummingbird applies a middleware to the routes added after it (and to unknown paths): health and metrics,
        // above, stay open for probes and Prometheus.
        // Every other route in a span of its own that continues a caller's traceparent (probes every few seconds
        // would only be noise); a refused token is traced too.
        router.add(middleware: HTTPTracingMiddleware())
        if let apiToken { router.add(middleware: BearerTokenMiddleware(token: apiToken)) }
        routes(router)
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: serverLogger
        )
    }
}
