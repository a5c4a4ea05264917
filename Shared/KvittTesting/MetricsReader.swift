import Foundation

/// Reads a service's Prometheus metrics (its `/metrics`, in the text exposition format).
public enum MetricsReader {
    /// The sum of every sample of `name` (all label sets) on the service's `/metrics`; 0 when it does not answer.
    public static func value(_ name: String, port: Int) async -> Int {
        guard let text = await HTTPProbe.get(port: port, path: "/metrics")?.body else { return 0 }
        return Int(sum(name, in: text) ?? 0)
    }

    /// The sum of every sample of `name` (all label sets) in an exposition; nil when it has none.
    public static func sum(_ name: String, in text: String) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{", let value = Double(line.split(separator: " ").last ?? "")
            else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
