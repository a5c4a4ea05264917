import Foundation

/// Durations as operators write them in settings and commands: `500ms`, `10s`, `5m`, `12h`, `30d`.
public enum DurationText {
    /// Parses one positive duration; `nil` when malformed or not positive.
    public static func parse(_ text: some StringProtocol) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let (digits, unit) =
            text.hasSuffix("ms") ? (text.dropLast(2), "ms") : (text.dropLast(), String(text.last ?? " "))
        guard let value = Int64(digits), value > 0 else { return nil }
        switch unit {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        case "d": return .seconds(value * 86_400)
        default: return nil
        }
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
