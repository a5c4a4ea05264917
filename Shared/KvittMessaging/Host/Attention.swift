import Prometheus

/// Something a service counts for an operator without being unready because of it: debt-collection's held cases.
///
/// A held case is not a broken service (every other case goes on), so `/health/ready` stays 200 and lists the count
/// under `ready`, one line per gauge, and `/metrics` exports it as a gauge with one series per reason, for an alert.
public struct AttentionGauge: Sendable {
    /// The Prometheus gauge (`kvitt_collection_cases_held`); its one label is `reason`.
    public let metric: String
    /// The gauge's `# HELP` text.
    public let help: String
    /// What is counted, for the readiness line: `held collection case(s)` reads "attention: 2 held collection case(s)
    /// (…)".
    public let subject: String
    /// Every reason the service can report. Each has a series from the first scrape on, at 0 while nothing is held
    /// for it, so that an alert sees a reason clear rather than its series vanish.
    public let reasons: [String]
    /// The counts by reason now; a reason that is absent counts 0.
    public let counts: @Sendable () async throws -> [String: Int]

    public init(
        metric: String,
        help: String,
        subject: String,
        reasons: [String],
        counts: @escaping @Sendable () async throws -> [String: Int]
    ) {
        self.metric = metric
        self.help = help
        self.subject = subject
        self.reasons = reasons
        self.counts = counts
    }

    /// The label for a count whose reason is not in ``reasons``: a label value never comes straight from stored data.
    public static let otherReason = "other"

    /// The readiness line for some counts: `attention: 2 held collection case(s) (reference-rate-missing 2)`; `nil`
    /// when nothing is counted.
    public func readinessLine(_ counts: [String: Int]) -> String? {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return nil }
        let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return "attention: \(total) \(subject) (\(parts.joined(separator: ", ")))"
    }
}

/// Reads a service's ``AttentionGauge``s for `/health/ready` and `/metrics`: records each gauge's series in the
/// service's registry and returns the readiness lines.
struct AttentionReport: Sendable {
    let gauges: [AttentionGauge]
    let registry: PrometheusCollectorRegistry

    /// Reads every count, records the series and returns the lines for the readiness body. A count that cannot be
    /// read is said so in a line and leaves the series as they were; it does not make the service unready (the
    /// readiness check of the database does that).
    func refresh() async -> [String] {
        var lines: [String] = []
        for gauge in gauges {
            let counts: [String: Int]
            do {
                counts = try await gauge.counts()
            } catch {
                lines.append("attention: \(gauge.subject) unknown (\(error))")
                continue
            }
            var byLabel = Dictionary(uniqueKeysWithValues: gauge.reasons.map { ($0, 0) })
            for (reason, count) in counts {
                let label = byLabel[reason] == nil ? AttentionGauge.otherReason : reason
                byLabel[label, default: 0] += count
            }
            for (label, count) in byLabel {
                // A gauge has no unit: the name is the metric name alone.
                let descriptor = MetricNameDescriptor(metricName: gauge.metric, unitName: "", helpText: gauge.help)
                registry.makeGauge(descriptor: descriptor, labels: [("reason", label)]).set(Int64(count))
            }
            if let line = gauge.readinessLine(counts) { lines.append(line) }
        }
        return lines
    }
}
