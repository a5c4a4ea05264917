import Foundation

/// Where a Kvitt log handler writes its lines, and how it stamps them.
public enum LogOutput {
    /// Writes one finished line (newline included) somewhere: standard error in a service, memory in a test.
    public typealias Write = @Sendable (String) -> Void

    /// Standard error, where the services log.
    public static let standardError: Write = { line in FileHandle.standardError.write(Data(line.utf8)) }

    /// An ISO 8601 timestamp with milliseconds and the offset from UTC in the given calendar's time zone, always
    /// numeric (`2026-12-05T05:12:03.123+01:00`, `…+00:00` in UTC), so that lines from hosts in different zones sort
    /// and compare without guessing.
    public static func timestamp(_ date: Date, calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let offset = calendar.timeZone.secondsFromGMT(for: date)
        let magnitude = abs(offset)
        return "\(pad(parts.year ?? 0, 4))-\(pad(parts.month ?? 0, 2))-\(pad(parts.day ?? 0, 2))"
            + "T\(pad(parts.hour ?? 0, 2)):\(pad(parts.minute ?? 0, 2)):\(pad(parts.second ?? 0, 2))"
            + ".\(pad((parts.nanosecond ?? 0) / 1_000_000, 3))"
            + "\(offset < 0 ? "-" : "+")\(pad(magnitude / 3600, 2)):\(pad(magnitude % 3600 / 60, 2))"
    }

    /// A Gregorian calendar in `timeZone` (the process's own by default), for ``timestamp(_:calendar:)``.
    public static func calendar(_ timeZone: TimeZone = .current) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
