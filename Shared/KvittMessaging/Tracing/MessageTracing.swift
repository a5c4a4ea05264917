import Foundation
import KvittAMQP
import KvittContracts
import Logging
import Tracing

/// W3C trace context on messages: read from the AMQP headers of a message that arrives, written to the headers of a
/// message that leaves, and a span per message handled and per message published, through the process's tracer
/// (swift-distributed-tracing; ``ServiceTracing`` bootstraps swift-otel's in a service process).
///
/// A message from outside is untrusted: only a `traceparent` and `tracestate` that are text of a sane length are
/// looked at, and the tracer's W3C propagator ignores one that does not parse. A trace header can never make a
/// message fail.
public enum MessageTracing {
    /// Longest `traceparent` read: version 00 is 55 characters; a later version may append fields.
    static let maximumTraceParentLength = 256
    /// Longest `tracestate` read: the W3C limit is 32 members of at most 256 characters; 512 is what propagators must
    /// at least keep, and all a message needs.
    static let maximumTraceStateLength = 512

    /// Log metadata keys, as OpenTelemetry's log data model names them.
    public static let traceIDKey = "trace_id"
    public static let spanIDKey = "span_id"

    /// The trace context a message carries (top level when it carries none).
    static func context(of headers: AMQPTable) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: AMQPHeadersExtractor())
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

    /// The trace context headers of a message that arrived, if they are text of a sane length.
    static func read(_ headers: AMQPTable) -> (parent: String?, state: String?) {
        let extractor = AMQPHeadersExtractor()
        return (
            extractor.extract(key: MessageEnvelope.traceParentHeader, from: headers),
            extractor.extract(key: MessageEnvelope.traceStateHeader, from: headers)
        )
    }

    /// The trace id and parent span id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), or nil when it is not
    /// one: for log lines, which must never carry a caller's arbitrary text under a trace key.
    public static func ids(ofTraceParent traceParent: String) -> (traceID: String, spanID: String)? {
        let fields = traceParent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[1].count == 32, fields[2].count == 16,
            fields[1].allSatisfy(\.isLowercaseHexDigit), fields[2].allSatisfy(\.isLowercaseHexDigit),
            fields[1].contains(where: { $0 != "0" }), fields[2].contains(where: { $0 != "0" })
        else { return nil }
        return (String(fields[1]), String(fields[2]))
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

/// Reads trace headers from an AMQP table: text only (a long string, or bytes that are UTF-8), of a sane length.
struct AMQPHeadersExtractor: Extractor {
    func extract(key: String, from carrier: AMQPTable) -> String? {
        let limit =
            key == MessageEnvelope.traceStateHeader
            ? MessageTracing.maximumTraceStateLength : MessageTracing.maximumTraceParentLength
        guard let text = carrier[key]?.stringValue, !text.isEmpty, text.utf8.count <= limit,
            text.unicodeScalars.allSatisfy({ $0.isASCII && !($0.properties.generalCategory == .control) })
        else { return nil }
        return text
    }
}

/// Writes a context's trace headers into a dictionary (kept in the outbox row until the message is published).
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

extension Character {
    /// `0`-`9` or `a`-`f`, as W3C trace context writes its ids.
    fileprivate var isLowercaseHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
