import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// The tracer of a service process: swift-otel's, with W3C trace context, always on, so that every message a service
/// sends carries a `traceparent` and every log line written while a message or request is handled carries its
/// `trace_id`. Spans leave the process only when `OTEL_EXPORTER_OTLP_ENDPOINT` names a collector (OTLP over HTTP).
///
/// The standard `OTEL_*` variables in the environment (`OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`,
/// `OTEL_SDK_DISABLED`, …) apply on top, as swift-otel reads them; an empty one counts as unset, as for every Kvitt
/// setting (``unsetEmptyVariables()``).
enum ServiceTracing {
    /// The log metadata provider that stamps the trace and span ids of the span a task is in (``MessageTracing``'s
    /// keys, which are OpenTelemetry's).
    static let logMetadata = OTel.makeLoggingMetadataProvider()

    /// Bootstraps the process's tracer and returns the service that exports its spans: run it with the service
    /// group, which stops it last, so that the last spans are flushed. Nil when tracing is switched off.
    /// - Parameter service: the service's own name (`service.name`); a partition or renamed copy (`SERVICE_NAME`) is
    ///   told apart by its queue (`kvitt.queue`).
    static func bootstrap(service: String, _ settings: ServiceSettings, logger: Logger) -> (any Service)? {
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.resourceAttributes["kvitt.queue"] = settings.serviceName
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        // swift-otel's own lines (its settings, failed exports) at the service's LOG_LEVEL, not chattier.
        configuration.diagnosticLogLevel =
            switch settings.logLevel {
            case .trace: .trace
            case .debug: .debug
            case .info, .notice: .info
            case .warning: .warning
            case .error, .critical: .error
            }
        configuration.propagators = [.traceContext]
        // Without a collector, a trace this service starts is not sampled (its traceparent says so, flag 00): spans
        // recorded for nobody cost 7-15 % of the runtime's throughput (BENCHMARKS.md, kvitt-bench --tracing-cost),
        // unsampled ones nothing measurable. A trace that arrives sampled is still recorded, and the ids still travel
        // in the messages and the logs. OTEL_TRACES_SAMPLER overrides either choice.
        configuration.traces.sampler = settings.otlpEndpoint == nil ? .parentBasedAlwaysOff : .parentBasedAlwaysOn
        // The last export, at shutdown, must fit in the grace period even when the collector does not answer.
        let exportLimit = min(settings.shutdownGrace / 2, .seconds(5))
        configuration.traces.batchSpanProcessor.exportTimeout = exportLimit
        configuration.traces.otlpExporter.timeout = exportLimit
        if let endpoint = settings.otlpEndpoint {
            configuration.traces.exporter = .otlp
            // The base URL with the traces path, as OpenTelemetry specifies for OTEL_EXPORTER_OTLP_ENDPOINT.
            configuration.traces.otlpExporter.endpoint = endpoint.appending(path: "v1/traces").absoluteString
            configuration.traces.otlpExporter.protocol =
                settings.otlpProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        } else {
            configuration.traces.exporter = .none
        }
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            return backend.service
        } catch {
            // OTEL_SDK_DISABLED=true, or an OTEL_* setting swift-otel refuses: the service runs untraced rather than
            // not at all; a message's trace context is then passed on as it came.
            logger.warning("tracing is off", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Removes `OTEL_*` variables that are set but empty from the process environment: Kvitt reads an empty value as
    /// unset (compose's env files list every setting, most of them empty), swift-otel as a value, and an empty
    /// endpoint would replace the one a configuration file gave. Called first thing, before any thread is started.
    static func unsetEmptyVariables() {
        for (name, value) in ProcessInfo.processInfo.environment where name.hasPrefix("OTEL_") && value.isEmpty {
            unsetenv(name)
        }
    }
}
