import Foundation
import Logging

/// Writes one line of text per log event, the default `LOG_FORMAT`:
/// `2026-12-05T05:12:03.123+01:00 warning debt-collection: collection case held invoice.id=ancient …`, the timestamp
/// in ISO 8601 with the offset from UTC and the metadata sorted by key.
///
/// Like ``JSONLogHandler`` it masks every number shaped like a personnummer or organisationsnummer in the message and
/// the metadata (``LogMasking``), and it keeps each event on one line: a line break in a message or value is written
/// as `\n`, so that no message can forge a line of its own.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let calendar: Calendar
    private let write: LogOutput.Write

    /// - Parameters:
    ///   - timeZone: the zone of the timestamps' wall-clock time (the process's own by default).
    ///   - write: where the lines go (standard error by default; memory in a test).
    public init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        timeZone: TimeZone = .current,
        write: @escaping LogOutput.Write = LogOutput.standardError
    ) {
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
        var line = "\(LogOutput.timestamp(Date(), calendar: calendar)) \(event.level.rawValue) \(label): "
        line += Self.oneLine(LogMasking.mask(event.message.description))
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quotedIfNeeded(Self.text(value)))"
        }
        write(line + "\n")
    }

    /// A metadata value as text, masked.
    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): LogMasking.mask(text)
        case .stringConvertible(let convertible): LogMasking.mask(convertible.description)
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .dictionary(let values):
            "[" + values.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
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
