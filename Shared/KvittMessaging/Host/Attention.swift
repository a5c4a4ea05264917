import Prometheus
import Synchronization

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

    /// The gauge's name and help; a gauge has no unit, so the name is the metric name alone.
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: "", helpText: help)
    }

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
final class AttentionReport: Sendable {
    /// A gauge and its series: one per reason, made once at start, so that a scrape only sets them; and the
    /// ``AttentionGauge/otherReason`` series, made the first time a count has no reason of its own.
    private struct Recorded: Sendable {
        let gauge: AttentionGauge
        let series: [String: Prometheus.Gauge]
    }

    private let recorded: [Recorded]
    private let registry: PrometheusCollectorRegistry
    /// The `other` series made so far, by metric: once made, it is set on every read, back to 0 when nothing is
    /// counted there any more.
    private let otherSeries = Mutex<[String: Prometheus.Gauge]>([:])

    init(gauges: [AttentionGauge], registry: PrometheusCollectorRegistry) {
        self.registry = registry
        recorded = gauges.map { gauge in
            let descriptor = gauge.descriptor
            return Recorded(
                gauge: gauge,
                series: Dictionary(
                    uniqueKeysWithValues: Set(gauge.reasons).map { reason in
                        (reason, registry.makeGauge(descriptor: descriptor, labels: [("reason", reason)]))
                    }
                )
            )
        }
    }

    /// Reads every count, records the series and returns the lines for the readiness body. A count that cannot be
    /// read is said so in a line and leaves the series as they were; it does not make the service unready (the
    /// readiness check of the database does that).
    func refresh() async -> [String] {
        var lines: [String] = []
        for entry in recorded {
            let gauge = entry.gauge
            let counts: [String: Int]
            do {
                counts = try await gauge.counts()
            } catch {
                lines.append("attention: \(gauge.subject) unknown (\(error))")
                continue
            }
            var byReason = entry.series.mapValues { _ in 0 }
            var other = 0
            for (reason, count) in counts {
                // A reason the gauge does not list is counted under `other`: a label never comes from stored data.
                let listed = byReason[reason] != nil ? reason : AttentionGauge.otherReason
                if byReason[listed] != nil { byReason[listed, default: 0] += count } else { other += count }
            }
            for (reason, count) in byReason { entry.series[reason]?.set(Int64(count)) }
            self.other(of: entry, needed: other > 0)?.set(Int64(other))
            if let line = gauge.readinessLine(counts) { lines.append(line) }
        }
        return lines
    }

    /// The `other` series of a gauge: made when `needed`, and from then on returned every time, so that it goes back
    /// to 0 rather than keep its last count.
    private func other(of entry: Recorded, needed: Bool) -> Prometheus.Gauge? {
        otherSeries.withLock { made in
            if let series = made[entry.gauge.metric] { return series }
            guard needed else { return nil }
            let series = registry.makeGauge(
                descriptor: entry.gauge.descriptor,
                labels: [("reason", AttentionGauge.otherReason)]
            )
            made[entry.gauge.metric] = series
            return series
        }
    }
}
