import Foundation
import Hummingbird
import Synchronization

/// An OpenTelemetry collector for tests: takes OTLP/HTTP JSON on `/v1/traces`, as a real collector would, and keeps
/// every span it was sent.
public final class OTLPCollector: Sendable {
    /// A span as exported, its ids in lowercase hex.
    public struct ExportedSpan: Sendable, Equatable {
        public let service: String
        public let name: String
        public let traceID: String
        public let spanID: String
        public let parentSpanID: String?
        /// OTLP's span kind (`SPAN_KIND_SERVER`, or its number, as the exporter wrote it).
        public let kind: String
    }

    private final class Received: Sendable {
        let spans = Mutex<[ExportedSpan]>([])
    }

    private let received = Received()
    private let running = Mutex<Task<Void, any Error>?>(nil)
    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    /// Starts listening on a free port.
    public init() async throws {
        let port = TestBroker.freePort()
        self.port = port
        let router = Router()
        let received = received
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            let spans = Self.spans(inExport: Data(buffer: body))
            received.spans.withLock { $0.append(contentsOf: spans) }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: "{}"))
            )
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        running.withLock { $0 = Task { try await application.runService() } }
        _ = await TestBroker.eventually { await HTTPProbe.get(port: port, path: "/") != nil }
    }

    /// The spans received so far.
    public var spans: [ExportedSpan] { received.spans.withLock { $0 } }

    /// The collector's URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public func stop() async {
        let task = running.withLock { $0 }
        task?.cancel()
        _ = try? await task?.value
    }

    /// The spans of an OTLP JSON export request (`resourceSpans` → `scopeSpans` → `spans`).
    static func spans(inExport data: Data) -> [ExportedSpan] {
        guard let export = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let resources = export["resourceSpans"] as? [[String: Any]]
        else { return [] }
        return resources.flatMap { resource -> [ExportedSpan] in
            let attributes = (resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
            let service =
                attributes.first { $0["key"] as? String == "service.name" }
                .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String } ?? ""
            let scopes = resource["scopeSpans"] as? [[String: Any]] ?? []
            return scopes.flatMap { scope in
                (scope["spans"] as? [[String: Any]] ?? []).compactMap { span in
                    guard let name = span["name"] as? String, let traceID = hex(span["traceId"]),
                        let spanID = hex(span["spanId"])
                    else { return nil }
                    return ExportedSpan(
                        service: service,
                        name: name,
                        traceID: traceID,
                        spanID: spanID,
                        parentSpanID: hex(span["parentSpanId"]),
                        kind: span["kind"].map { "\($0)" } ?? ""
                    )
                }
            }
        }
    }

    /// An id as OTLP JSON writes it: hex, as the OTLP specification asks, or base64, as protobuf's JSON mapping does
    /// for bytes.
    static func hex(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text), bytes.count == 16 || bytes.count == 8 else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
