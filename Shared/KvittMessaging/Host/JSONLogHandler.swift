import Foundation
import Logging

/// Writes one JSON object per log line: `ts` (ISO 8601 with the offset from UTC), `level`, `label`, `msg`, then the
/// metadata.
///
/// Every number shaped like a personnummer or organisationsnummer in the message and metadata is masked on the way
/// out (``LogMasking``), as a last line of defence.
public struct JSONLogHandler: LogHandler {
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
        var object: [String: Any] = [
            "ts": LogOutput.timestamp(Date(), calendar: calendar),
            "level": event.level.rawValue,
            "label": label,
            "msg": LogMasking.mask(event.message.description),
        ]
        for (key, value) in merged { object[key] = Self.json(value) }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): LogMasking.mask(text)
        case .stringConvertible(let convertible): LogMasking.mask(convertible.description)
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }
}
