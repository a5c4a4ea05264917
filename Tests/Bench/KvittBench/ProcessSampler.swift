import Foundation
import KvittMessaging
import Synchronization

/// What this process holds at one moment, read from `/proc/self`: resident memory (all of it, and the anonymous
/// part, which is what a leak grows; SQLite's memory-mapped file pages count in the first only), open descriptors,
/// threads, and the size of a database with its WAL.
struct ProcessSample: Sendable {
    let elapsed: Duration
    let processed: Int
    let residentKiB: Int
    let anonymousKiB: Int
    let descriptors: Int
    let threads: Int
    let databaseBytes: Int
    /// glibc's heap: live allocations, and free memory it still holds (nil off glibc).
    let heap: Heap.Statistics?

    static func take(elapsed: Duration, processed: Int, database: String) -> ProcessSample {
        var fields: [String: Int] = [:]
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                // "VmRSS:\t  426408 kB": the number after tabs and spaces.
                let number = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
                fields[String(parts[0])] = number
            }
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
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
            heap: Heap.statistics()
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

/// Samples the process every `interval` while a long run goes on, and sums up what changed after warm-up.
final class ProcessSampler: Sendable {
    private let samples = Mutex<[ProcessSample]>([])

    /// Samples until the task is cancelled; `processed` says how far the run has come.
    func run(
        every interval: Duration,
        database: String,
        processed: @escaping @Sendable () async -> Int
    ) -> Task<Void, Never> {
        let started = ContinuousClock.now
        return Task {
            while !Task.isCancelled {
                let sample = ProcessSample.take(
                    elapsed: ContinuousClock.now - started,
                    processed: await processed(),
                    database: database
                )
                print(sample.line)
                samples.withLock { $0.append(sample) }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Growth from the first sample after `warmUp` messages to the last, and the ranges of descriptors and threads.
    func summary(warmUp: Int) -> String {
        let all = samples.withLock { $0 }
        guard let first = all.first(where: { $0.processed >= warmUp }), let last = all.last else {
            return "soak: too few samples"
        }
        let after = all.filter { $0.processed >= warmUp }
        let peakAnonymous = after.map(\.anonymousKiB).max() ?? 0
        let heapGrowth = (last.heap?.inUse ?? 0) - (first.heap?.inUse ?? 0)
        return String(
            format:
                "soak after warm-up (%d msgs) to the end (%d msgs): RSS %+.1f MiB, anonymous %+.1f MiB (peak %.1f MiB), "
                + "heap in use %+.1f MiB, fds %d-%d, threads %d-%d, database %.1f → %.1f MiB",
            first.processed,
            last.processed,
            Double(last.residentKiB - first.residentKiB) / 1024,
            Double(last.anonymousKiB - first.anonymousKiB) / 1024,
            Double(peakAnonymous) / 1024,
            Double(heapGrowth) / 1_048_576,
            after.map(\.descriptors).min() ?? 0,
            after.map(\.descriptors).max() ?? 0,
            after.map(\.threads).min() ?? 0,
            after.map(\.threads).max() ?? 0,
            Double(first.databaseBytes) / 1_048_576,
            Double(last.databaseBytes) / 1_048_576
        )
    }
}
