import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's heap, as far as a long-running service needs it: how much is in use and how much is free but still
/// resident, and a way to hand the free pages back to the kernel.
///
/// A service's threads each allocate from their own glibc arena. Freed memory in the middle of an arena stays
/// resident until `malloc_trim` releases it (glibc's `free` only returns the top of an arena), so the resident size of
/// a service that has handled a few million messages creeps up although what it holds does not. Swift's Glibc module
/// does not import `malloc.h`'s `malloc_trim` and `malloc_info`, so they are looked up with `dlsym`; on a C library
/// without them (musl, macOS) both calls do nothing.
public enum Heap {
    /// What glibc's allocator holds, from `malloc_info`: bytes taken from the system, and of them, bytes free in its
    /// bins (resident until trimmed, unless they are at the top of an arena).
    public struct Statistics: Sendable, Equatable {
        public var system: Int
        public var free: Int
        /// Bytes in live allocations (mmapped large blocks excluded: they are returned to the system when freed).
        public var inUse: Int { system - free }
    }

    private typealias TrimFunction = @convention(c) (Int) -> Int32
    private typealias InfoFunction = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32

    private static let trimFunction: TrimFunction? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: TrimFunction.self)
    }
    private static let infoFunction: InfoFunction? = dlsym(nil, "malloc_info").map {
        unsafeBitCast($0, to: InfoFunction.self)
    }

    /// Returns free heap pages of every arena to the kernel (`malloc_trim(0)`); true when memory was released.
    @discardableResult
    public static func trim() -> Bool {
        guard let trimFunction else { return false }
        return trimFunction(0) == 1
    }

    /// The allocator's totals, or nil where glibc's `malloc_info` is not available.
    public static func statistics() -> Statistics? {
        guard let infoFunction else { return nil }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        let status = infoFunction(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard status == 0, let buffer else { return nil }
        return parse(String(cString: buffer))
    }

    /// Reads the whole-heap totals, which `malloc_info` writes after the per-arena ones: the last `<total type="fast">`
    /// and `<total type="rest">` (free chunks) and the last `<system type="current">`. Read at every `/metrics` scrape,
    /// so the text (long, one block per arena) is walked from its end, a line at a time, only until all three are found.
    static func parse(_ xml: String) -> Statistics? {
        var system: Int?
        var fast: Int?
        var rest: Int?
        var end = xml.endIndex
        while system == nil || fast == nil || rest == nil {
            let start = xml[..<end].lastIndex(of: "\n").map { xml.index(after: $0) } ?? xml.startIndex
            let line = xml[start..<end]
            if system == nil, line.contains("<system type=\"current\"") {
                system = size(line)
            } else if fast == nil, line.contains("<total type=\"fast\"") {
                fast = size(line)
            } else if rest == nil, line.contains("<total type=\"rest\"") {
                rest = size(line)
            }
            guard start > xml.startIndex else { break }
            end = xml.index(before: start)
        }
        guard let system, let fast, let rest, system >= 0, fast >= 0, rest >= 0 else { return nil }
        return Statistics(system: system, free: fast + rest)
    }

    /// The `size="…"` of one element's line, or -1 when it has none: the last such line is the total, readable or not.
    private static func size(_ line: Substring) -> Int {
        guard let sizeRange = line.range(of: "size=\"") else { return -1 }
        return Int(line[sizeRange.upperBound...].prefix { $0.isNumber }) ?? -1
    }
}

extension Heap {
    /// How glibc's allocator is set up when a service starts (`KVITT_MALLOC`).
    ///
    /// glibc gives a thread that finds its arena locked an arena of its own, up to eight per core, and each arena
    /// keeps its own free holes between live blocks, which even `malloc_trim` cannot return. A service's threads (the
    /// cooperative pool, NIO, the AMQP sessions) take turns with the same short-lived buffers, so with many arenas the
    /// holes are spread over many heaps. `tuned` allows two arenas (``tunedArenaLimit``). BENCHMARKS.md's soak
    /// (2026-12-05, third session) measured both: over 2,000,000 messages a service grows by less than 3 MiB either
    /// way, and two arenas hold 3–5 MiB less but cost 10–18 % of the rate, so glibc's defaults stay the default and
    /// `tuned` is for a deployment short of memory.
    public enum Tuning: String, Sendable, CaseIterable {
        /// At most ``Heap/tunedArenaLimit`` arenas.
        case tuned
        /// glibc's own defaults, and whatever its `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` variables say (the default).
        case glibc

        /// The environment variable that chooses the tuning; `glibc` when it is not set.
        public static let environmentVariable = "KVITT_MALLOC"

        /// The setting as `--help` and docs/configuration.md would list it; read from the environment only, before
        /// anything else, because the allocator must be set up before the first threads allocate.
        public static let setting = Setting(
            environmentVariable,
            Tuning.glibc.rawValue,
            "C heap: glibc (its defaults, MALLOC_ARENA_MAX, GLIBC_TUNABLES) or tuned (at most 2 malloc arenas: "
                + "less memory, a slower service) (environment only)"
        )

        /// The tuning the environment asks for.
        /// - Throws: ``InvalidTuning`` for a value that is not a tuning's name.
        public init(environment: [String: String]) throws(InvalidTuning) {
            // Empty or blank counts as unset, by the rule of every other setting (an env file lists each setting).
            guard let value = KvittConfiguration.setVariables(environment)[Self.environmentVariable] else {
                self = .glibc
                return
            }
            guard let tuning = Tuning(rawValue: value) else { throw InvalidTuning(value: value) }
            self = tuning
        }
    }

    /// A `KVITT_MALLOC` value that names no tuning.
    public struct InvalidTuning: Error, CustomStringConvertible {
        public let value: String
        public var description: String {
            "\(Tuning.environmentVariable)=\(value): expected one of "
                + Tuning.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }

    /// `M_ARENA_MAX`, as numbered in glibc's malloc.h.
    private static let arenaMaxOption: Int32 = -8

    /// The arenas ``Tuning/tuned`` allows: two, not one, so that not every allocation of every thread waits for the
    /// same lock.
    public static let tunedArenaLimit: Int32 = 2

    private typealias OptionFunction = @convention(c) (Int32, Int32) -> Int32
    private static let optionFunction: OptionFunction? = dlsym(nil, "mallopt").map {
        unsafeBitCast($0, to: OptionFunction.self)
    }

    /// Sets the allocator up; to be called first thing in `main`, before the threads that would each take an arena
    /// of their own have started (an arena, once made, stays). Returns false when glibc refused or the C library has
    /// no `mallopt`.
    @discardableResult
    public static func configure(_ tuning: Tuning) -> Bool {
        switch tuning {
        case .glibc: true
        case .tuned: optionFunction.map { $0(arenaMaxOption, tunedArenaLimit) == 1 } ?? false
        }
    }
}

/// Trims the heap (``Heap/trim()``) at a fixed interval, so that memory freed after a burst of messages leaves the
/// process instead of staying resident in an arena; the soak benchmark in BENCHMARKS.md shows the difference.
public struct HeapTrimmer: Service {
    let interval: Duration

    /// A trim takes about a millisecond per hundred MiB of heap; once a minute costs nothing measurable.
    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    public func run() async throws {
        // Cancelled on graceful shutdown: it holds nothing that must be finished.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                Heap.trim()
            }
        }
    }
}
