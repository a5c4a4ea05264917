import Foundation
import KvittTesting
import Synchronization

/// glibc's heap in the sampled service, from its `/metrics` (`malloc_info` can only be read inside the process).
struct HeapTotals: Sendable {
    /// Bytes in live allocations.
    let inUse: Int
    /// Bytes free inside the allocator's arenas, resident until trimmed.
    let free: Int

    /// Reads `kvitt_heap_in_use_bytes` and `kvitt_heap_free_bytes` from a Prometheus text exposition.
    static func parse(metrics: String) -> HeapTotals? {
        guard let inUse = MetricsReader.sum("kvitt_heap_in_use_bytes", in: metrics),
            let free = MetricsReader.sum("kvitt_heap_free_bytes", in: metrics)
        else { return nil }
        return HeapTotals(inUse: Int(inUse), free: Int(free))
    }
}

/// What the service process holds at one moment, read from `/proc/<pid>`: resident memory (all of it, and the
/// anonymous part, which is what a leak grows; SQLite's memory-mapped file pages count in the first only), open
/// descriptors, threads; the size of its database with the WAL, and its heap totals from `/metrics`.
struct ProcessSample: Sendable {
    let elapsed: Duration
    let processed: Int
    let residentKiB: Int
    let anonymousKiB: Int
    let descriptors: Int
    let threads: Int
    let databaseBytes: Int
    /// CPU time the process has used (user and system), which a busy machine does not inflate as it does seconds.
    let cpuSeconds: Double
    /// nil when the service did not report them (off glibc, or `/metrics` did not answer).
    let heap: HeapTotals?

    static func take(
        pid: pid_t,
        elapsed: Duration,
        processed: Int,
        database: String,
        heap: HeapTotals?
    ) -> ProcessSample {
        var fields: [String: Int] = [:]
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                // "VmRSS:\t  426408 kB": the number after tabs and spaces.
                let number = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
                fields[String(parts[0])] = number
            }
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks; the fields after the command name
        // (in parentheses, which may contain spaces) start at field 3.
        var cpuSeconds = -1.0
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        let databaseBytes = ["", "-wal"].reduce(0) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: database + suffix)
            return total + ((attributes?[.size] as? Int) ?? 0)
        }
        return ProcessSample(
            elapsed: elapsed,
            processed: processed,
            residentKiB: fields["VmRSS"] ?? -1,
            anonymousKiB: fields["RssAnon"] ?? -1,
            descriptors: descriptors,
            threads: fields["Threads"] ?? -1,
            databaseBytes: databaseBytes,
            cpuSeconds: cpuSeconds,
            heap: heap
        )
    }

    var line: String {
        String(
            format:
                "  %6.0f s %9d msgs  RSS %6.1f MiB (anonymous %6.1f MiB; heap in use %6.1f MiB, free %5.1f MiB)  "
                + "fds %3d  threads %3d  database %7.1f MiB",
            elapsed.seconds,
            processed,
            Double(residentKiB) / 1024,
            Double(anonymousKiB) / 1024,
            Double(heap?.inUse ?? 0) / 1_048_576,
            Double(heap?.free ?? 0) / 1_048_576,
            descriptors,
            threads,
            Double(databaseBytes) / 1_048_576
        )
    }
}

/// Samples a service process every `interval` while a long run goes on, and sums up what changed after warm-up.
final class ProcessSampler: Sendable {
    private let samples = Mutex<[ProcessSample]>([])

    /// Samples process `pid` until the task is cancelled; `processed` says how far the run has come, and the heap
    /// totals come from the service's `/metrics` on `metricsPort`.
    func run(
        every interval: Duration,
        pid: pid_t,
        metricsPort: Int,
        database: String,
        processed: @escaping @Sendable () async -> Int
    ) -> Task<Void, Never> {
        let started = ContinuousClock.now
        return Task {
            while !Task.isCancelled {
                let metrics = await HTTPProbe.get(port: metricsPort, path: "/metrics")
                let sample = ProcessSample.take(
                    pid: pid,
                    elapsed: ContinuousClock.now - started,
                    processed: await processed(),
                    database: database,
                    heap: metrics.flatMap { HeapTotals.parse(metrics: $0.body) }
                )
                print(sample.line)
                fflush(nil)
                samples.withLock { $0.append(sample) }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Every sample so far.
    var all: [ProcessSample] { samples.withLock { $0 } }

    /// The samples from the first after `warmUp` messages to the last (nil: none after warm-up).
    private func afterWarmUp(_ warmUp: Int) -> (first: ProcessSample, last: ProcessSample, all: [ProcessSample])? {
        let after = all.drop { $0.processed < warmUp }
        guard let first = after.first, let last = after.last else { return nil }
        return (first, last, Array(after))
    }

    /// Growth of anonymous memory from the first sample after `warmUp` messages to the last (nil: too few samples).
    func anonymousGrowthMiB(warmUp: Int) -> Double? {
        afterWarmUp(warmUp).map { Double($0.last.anonymousKiB - $0.first.anonymousKiB) / 1024 }
    }

    /// The service's CPU time per message from the first sample after `warmUp` messages to the last, in
    /// microseconds (nil: too few samples).
    func cpuMicrosecondsPerMessage(warmUp: Int) -> Double? {
        guard let (first, last, _) = afterWarmUp(warmUp), last.processed > first.processed, first.cpuSeconds >= 0,
            last.cpuSeconds >= 0
        else { return nil }
        return (last.cpuSeconds - first.cpuSeconds) * 1e6 / Double(last.processed - first.processed)
    }

    /// Growth from the first sample after `warmUp` messages to the last, and the ranges of descriptors and threads.
    func summary(warmUp: Int) -> String {
        guard let (first, last, after) = afterWarmUp(warmUp) else { return "soak: too few samples" }
        let peakAnonymous = after.map(\.anonymousKiB).max() ?? 0
        // Between the samples whose `/metrics` answered: a scrape that timed out on a busy machine is not a change.
        let heaps = after.compactMap(\.heap)
        return String(
            format:
                "soak after warm-up (%d msgs) to the end (%d msgs): RSS %+.1f MiB, anonymous %+.1f MiB (peak %.1f MiB), "
                + "heap in use %+.1f MiB, heap free %+.1f MiB, fds %d-%d, threads %d-%d, database %.1f → %.1f MiB, "
                + "service CPU %.0f µs a message",
            first.processed,
            last.processed,
            Double(last.residentKiB - first.residentKiB) / 1024,
            Double(last.anonymousKiB - first.anonymousKiB) / 1024,
            Double(peakAnonymous) / 1024,
            heaps.last.map { Double($0.inUse - heaps[0].inUse) / 1_048_576 } ?? .nan,
            heaps.last.map { Double($0.free - heaps[0].free) / 1_048_576 } ?? .nan,
            after.map(\.descriptors).min() ?? 0,
            after.map(\.descriptors).max() ?? 0,
            after.map(\.threads).min() ?? 0,
            after.map(\.threads).max() ?? 0,
            Double(first.databaseBytes) / 1_048_576,
            Double(last.databaseBytes) / 1_048_576,
            cpuMicrosecondsPerMessage(warmUp: warmUp) ?? .nan
        )
    }
}
