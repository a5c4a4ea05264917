import Foundation
import KvittContracts
import Logging

/// Writes one line per log event in a `LOG_FORMAT`, the metadata merged and sorted by key:
/// - `text`, the default: `2026-12-05T05:12:03.123+01:00 warning debt-collection: collection case held invoice.id=…`;
///   a line break in a message or value is written as `\n`, so that no message can forge a line of its own;
/// - `json`: one object with `ts`, `level`, `label`, `msg`, then the metadata.
///
/// Both stamp the time in ISO 8601 with the offset from UTC and mask every number shaped like a personnummer or
/// organisationsnummer in the message and the metadata (``PersonalDataMasking``), as a last line of defence.
public struct MaskingLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: ServiceSettings.LogFormat
    private let label: String
    private let calendar: Calendar
    private let write: LogOutput.Write

    /// - Parameters:
    ///   - timeZone: the zone of the timestamps' wall-clock time (the process's own by default).
    ///   - write: where the lines go (standard error by default; memory in a test).
    public init(
        format: ServiceSettings.LogFormat,
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        timeZone: TimeZone = .current,
        write: @escaping LogOutput.Write = LogOutput.standardError
    ) {
        self.format = format
        self.label = label
        self.metadataProvider = metadataProvider
        self.calendar = LogOutput.calendar(timeZone)
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provider = metadataProvider { merged.merge(provider.get()) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = LogOutput.timestamp(Date(), calendar: calendar)
        let message = PersonalDataMasking.mask(event.message.description)
        switch format {
        case .text:
            var line = "\(timestamp) \(event.level.rawValue) \(label): \(Self.oneLine(message))"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                // Keys too: a key is a caller's string, and `a b=c` or a line break in one would forge pairs or lines.
                let shown = Self.traceIdentifier(key, value) ?? Self.text(value)
                line += " \(Self.quotedIfNeeded(PersonalDataMasking.mask(key)))=\(Self.quotedIfNeeded(shown))"
            }
            write(line + "\n")
        case .json:
            var object: [String: Any] = [
                "ts": timestamp, "level": event.level.rawValue, "label": label, "msg": message,
            ]
            for (key, value) in merged { object[key] = Self.traceIdentifier(key, value) ?? Self.json(value) }
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: object,
                    options: [.sortedKeys, .withoutEscapingSlashes]
                )
            else { return }
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    /// A trace or span id as it is, never masked: random hexadecimal that may hold ten digits in a row, and a trace
    /// id that the masking cut would no longer find its trace. Only the exact shape is let through (32 or 16
    /// lowercase hex digits), so nothing else can pass under these keys.
    static func traceIdentifier(_ key: String, _ value: Logger.MetadataValue) -> String? {
        let length: Int
        switch key {
        case MessageTracing.traceIDKey: length = 32
        case MessageTracing.spanIDKey: length = 16
        default: return nil
        }
        let text: String
        switch value {
        case .string(let string): text = string
        case .stringConvertible(let convertible): text = convertible.description
        default: return nil
        }
        guard text.utf8.count == length, MessageTracing.isLowercaseHex(text.utf8) else { return nil }
        return text
    }

    /// A metadata value as text, masked.
    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): PersonalDataMasking.mask(text)
        case .stringConvertible(let convertible): PersonalDataMasking.mask(convertible.description)
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .dictionary(let values):
            "[" + values.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// A metadata value as a JSON value, masked.
    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): PersonalDataMasking.mask(text)
        case .stringConvertible(let convertible): PersonalDataMasking.mask(convertible.description)
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    /// Line breaks written as `\n` and `\r`.
    static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return text.replacing("\r\n", with: "\\r\\n").replacing("\n", with: "\\n").replacing("\r", with: "\\r")
    }

    /// A value with a space, a quote, `=` or a line break in it, in double quotes with `"` and `\` escaped, so that
    /// `key=value` pairs stay apart; other values as they are.
    static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty || value.contains { $0.isWhitespace || $0 == "\"" || $0 == "=" || $0 == "\\" }
        guard needsQuotes else { return value }
        let escaped = value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
        return "\"\(oneLine(escaped))\""
    }
}
