import Foundation

/// Durations as operators write them in settings and commands: `500ms`, `10s`, `5m`, `12h`, `30d`.
public enum DurationText {
    /// The longest duration accepted: 100 years.
    public static let maximumSeconds: Int64 = 100 * 366 * 86_400

    /// Parses one positive duration; `nil` when malformed or not positive.
    public static func parse(_ text: some StringProtocol) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let (digits, unit) =
            text.hasSuffix("ms") ? (text.dropLast(2), "ms") : (text.dropLast(), String(text.last ?? " "))
        guard let value = Int64(digits), value > 0 else { return nil }
        let secondsPerUnit: Int64
        switch unit {
        case "ms": return value <= maximumSeconds * 1000 ? .milliseconds(value) : nil
        case "s": secondsPerUnit = 1
        case "m": secondsPerUnit = 60
        case "h": secondsPerUnit = 3600
        case "d": secondsPerUnit = 86_400
        default: return nil
        }
        // Bounded, so that a typo cannot overflow a clock or a wait queue's TTL.
        guard value <= maximumSeconds / secondsPerUnit else { return nil }
        return .seconds(value * secondsPerUnit)
    }

    /// Parses a comma-separated list; `nil` when any part is malformed.
    public static func parseList(_ text: String) -> [Duration]? {
        var durations: [Duration] = []
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let duration = parse(part) else { return nil }
            durations.append(duration)
        }
        return durations
    }
}
