import Prometheus
import Synchronization
import Testing

@testable import KvittMessaging

/// The attention gauges on `/metrics`: a series per listed reason from the first scrape on, stored reasons that are
/// not listed counted under `other`, and every series back to 0 when its count clears.
@Suite("Attention gauges: series per reason, other, and counts that clear")
struct AttentionReportTests {
    /// Counts the test sets between reads.
    final class Counts: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        func set(_ new: [String: Int]) { counts.withLock { $0 = new } }
        var current: [String: Int] { counts.withLock { $0 } }
    }

    static func series(_ registry: PrometheusCollectorRegistry) -> [String: String] {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("kvitt_test_held{") {
            let parts = line.split(separator: " ")
            values[String(parts[0])] = parts.last.map(String.init)
        }
        return values
    }

    @Test func anUnlistedReasonIsCountedAsOtherAndEverySeriesGoesBackToZero() async {
        let registry = PrometheusCollectorRegistry()
        let counts = Counts()
        let gauge = AttentionGauge(
            metric: "kvitt_test_held",
            help: "Held test cases.",
            subject: "held test case(s)",
            reasons: ["a", "b"],
            counts: { counts.current }
        )
        let report = AttentionReport(gauges: [gauge], registry: registry)

        #expect(await report.refresh().isEmpty)
        #expect(
            Self.series(registry) == [#"kvitt_test_held{reason="a"}"#: "0.0", #"kvitt_test_held{reason="b"}"#: "0.0"],
            "every listed reason at 0 from the first read, no other yet"
        )

        counts.set(["a": 2, "from-a-newer-version": 3, "another": 1])
        let lines = await report.refresh()
        #expect(lines == ["attention: 6 held test case(s) (a 2, another 1, from-a-newer-version 3)"], "\(lines)")
        #expect(
            Self.series(registry) == [
                #"kvitt_test_held{reason="a"}"#: "2.0", #"kvitt_test_held{reason="b"}"#: "0.0",
                #"kvitt_test_held{reason="other"}"#: "4.0",
            ],
            "stored reasons never become labels"
        )

        counts.set([:])
        #expect(await report.refresh().isEmpty)
        #expect(
            Self.series(registry) == [
                #"kvitt_test_held{reason="a"}"#: "0.0", #"kvitt_test_held{reason="b"}"#: "0.0",
                #"kvitt_test_held{reason="other"}"#: "0.0",
            ],
            "a cleared count, other too, goes back to 0 instead of keeping its last value"
        )
    }

    @Test func aCountThatCannotBeReadLeavesTheSeriesAndSaysSo() async {
        struct Unreadable: Error {}
        let registry = PrometheusCollectorRegistry()
        let failing = Mutex(false)
        let gauge = AttentionGauge(
            metric: "kvitt_test_held",
            help: "Held test cases.",
            subject: "held test case(s)",
            reasons: ["a"],
            counts: {
                if failing.withLock({ $0 }) { throw Unreadable() }
                return ["a": 1]
            }
        )
        let report = AttentionReport(gauges: [gauge], registry: registry)
        _ = await report.refresh()
        failing.withLock { $0 = true }
        let lines = await report.refresh()
        #expect(lines.count == 1 && lines[0].hasPrefix("attention: held test case(s) unknown"), "\(lines)")
        #expect(Self.series(registry) == [#"kvitt_test_held{reason="a"}"#: "1.0"])
    }
}
