import Foundation
import KvittAMQP
import KvittContracts
import Logging
import Tracing

/// W3C trace context on messages: read from the AMQP headers of a message that arrives, written to the headers of a
/// message that leaves, and a span per message handled and per message published, through the process's tracer
/// (swift-distributed-tracing; ``ServiceTracing`` bootstraps swift-otel's in a service process).
///
/// A message from outside is untrusted: only a `traceparent` and `tracestate` that are exactly what W3C trace context
/// allows reach the tracer (``vetted(_:)``), and nothing else of the message. A trace header can never make a message
/// fail.
public enum MessageTracing {
    /// Longest `tracestate` read: 512 characters is what W3C trace context asks every propagator to keep, and all
    /// a message needs.
    static let maximumTraceStateLength = 512

    /// Log metadata keys, as OpenTelemetry's log data model names them.
    public static let traceIDKey = "trace_id"
    public static let spanIDKey = "span_id"

    /// The trace context a message carries (top level when it carries none, or none that passes ``vetted(_:)``).
    static func context(of headers: AMQPTable) -> InstrumentationContext {
        context(of: read(headers))
    }

    /// The context of vetted trace headers. The tracer reads them from a carrier of these two entries only: a
    /// propagator that cannot parse what it is given logs its carrier, and that must never be a request's headers
    /// (a bearer token) or a message's whole table.
    static func context(of trace: (parent: String?, state: String?)) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        guard let parent = trace.parent else { return context }
        var carrier = [MessageEnvelope.traceParentHeader: parent]
        carrier[MessageEnvelope.traceStateHeader] = trace.state
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: DictionaryExtractor())
        return context
    }

    /// The `traceparent` and `tracestate` of a span's context, as the process's tracer writes them (nothing under the
    /// no-op tracer of a test process).
    static func headers(of context: InstrumentationContext) -> (parent: String?, state: String?) {
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return (carrier[MessageEnvelope.traceParentHeader], carrier[MessageEnvelope.traceStateHeader])
    }

    /// The trace context headers a message sends, from `envelope`.
    static func write(_ envelope: MessageEnvelope, into headers: inout AMQPTable) {
        if let parent = envelope.traceParent { headers[MessageEnvelope.traceParentHeader] = .string(parent) }
        if let state = envelope.traceState { headers[MessageEnvelope.traceStateHeader] = .string(state) }
    }

    /// The trace context headers of a message that arrived, vetted (``vetted(_:)``).
    static func read(_ headers: AMQPTable) -> (parent: String?, state: String?) {
        vetted(
            (
                headers[MessageEnvelope.traceParentHeader]?.stringValue,
                headers[MessageEnvelope.traceStateHeader]?.stringValue
            )
        )
    }

    /// Trace headers as they arrived (from a message or an HTTP request), kept only when they are what W3C trace
    /// context allows: a `traceparent` of version 00 exactly (`00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not all
    /// zero), and a `tracestate` of at most 32 `key=value` members in the allowed characters, kept only with its
    /// `traceparent`. Anything else is dropped here, before the tracer sees it: a message or request with a broken
    /// header starts a trace of its own and is otherwise handled as it would be.
    public static func vetted(_ trace: (parent: String?, state: String?)) -> (parent: String?, state: String?) {
        guard let parent = trace.parent, isTraceParent(parent) else { return (nil, nil) }
        guard let state = trace.state, isTraceState(state) else { return (parent, nil) }
        return (parent, state)
    }

    private static func isTraceParent(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 55 && bytes[0] == 0x30 && bytes[1] == 0x30 && isLowercaseHex(bytes[53...])
            && ids(in: bytes) != nil
    }

    /// The trace and span ids where W3C trace context puts them (`vv-<32 hex>-<16 hex>-ff…`), lowercase hex and not all
    /// zero; nil when they are not there.
    private static func ids(in bytes: [UInt8]) -> (traceID: ArraySlice<UInt8>, spanID: ArraySlice<UInt8>)? {
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D else { return nil }
        let traceID = bytes[3..<35]
        let spanID = bytes[36..<52]
        guard isLowercaseHex(traceID), isLowercaseHex(spanID), traceID.contains(where: { $0 != 0x30 }),
            spanID.contains(where: { $0 != 0x30 })
        else { return nil }
        return (traceID, spanID)
    }

    /// Whether every byte is `0`-`9` or `a`-`f`, as W3C trace context writes its ids (and the log handler checks the
    /// trace ids it lets through unmasked).
    static func isLowercaseHex(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func isTraceState(_ text: String) -> Bool {
        guard text.utf8.count <= maximumTraceStateLength else { return false }
        let members = text.split(separator: ",", omittingEmptySubsequences: false)
        guard members.count <= 32 else { return false }
        return members.allSatisfy { member in
            let trimmed = member.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = parts.first, let value = parts.last else { return false }
            let keyBytes = Array(key.utf8)
            let valueBytes = Array(value.utf8)
            guard let first = keyBytes.first, (1...256).contains(keyBytes.count), (1...256).contains(valueBytes.count)
            else { return false }
            let isKeyByte: (UInt8) -> Bool = {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || [0x5F, 0x2D, 0x2A, 0x2F, 0x40].contains($0)
            }
            // A value is printable ASCII without `,` and `=`, and does not end in a space.
            let isValueByte: (UInt8) -> Bool = { (0x20...0x7E).contains($0) && $0 != 0x2C && $0 != 0x3D }
            return ((0x61...0x7A).contains(first) || (0x30...0x39).contains(first)) && keyBytes.allSatisfy(isKeyByte)
                && valueBytes.allSatisfy(isValueByte) && valueBytes.last != 0x20
        }
    }

    /// The trace id and parent span id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), or nil when it is not
    /// one: for log lines, which must never carry a caller's arbitrary text under a trace key.
    public static func ids(ofTraceParent traceParent: String) -> (traceID: String, spanID: String)? {
        guard let ids = ids(in: Array(traceParent.utf8)) else { return nil }
        return (String(decoding: ids.traceID, as: UTF8.self), String(decoding: ids.spanID, as: UTF8.self))
    }

    /// `logger` with the trace and span ids of `traceParent`, when it is one.
    static func logger(_ logger: Logger, tracedBy traceParent: String?) -> Logger {
        guard let traceParent, let ids = ids(ofTraceParent: traceParent) else { return logger }
        var logger = logger
        logger[metadataKey: traceIDKey] = "\(ids.traceID)"
        logger[metadataKey: spanIDKey] = "\(ids.spanID)"
        return logger
    }

    /// The span attributes of a message, as OpenTelemetry's messaging conventions name them.
    static func describe(_ span: any Span, messageID: String?, type: String?, routingKey: String, operation: String) {
        span.attributes["messaging.system"] = "rabbitmq"
        span.attributes["messaging.operation.type"] = operation
        span.attributes["messaging.destination.name"] = routingKey
        if let messageID { span.attributes["messaging.message.id"] = messageID }
        if let type { span.attributes["messaging.message.type"] = type }
    }
}

/// Reads trace headers from the two-entry dictionary ``MessageTracing/context(of:)-(String?,String?)`` builds.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

/// Writes a context's trace headers into a dictionary (kept in the outbox row until the message is published).
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
