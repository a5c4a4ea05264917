import ArgumentParser
import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging

/// Which heap tunings the soak runs its service with, one service process after the other.
enum SoakMalloc: String, ExpressibleByArgument, CaseIterable {
    /// At most two malloc arenas (`KVITT_MALLOC=tuned`).
    case tuned
    /// glibc's own defaults, what every service runs with unless told otherwise (`KVITT_MALLOC=glibc`).
    case glibc
    /// glibc's defaults first, then the tuned heap, in the same run.
    case both

    var tunings: [Heap.Tuning] {
        switch self {
        case .tuned: [.tuned]
        case .glibc: [.glibc]
        case .both: [.glibc, .tuned]
        }
    }
}

/// What one soak found: its rate through the service and every sample of the service process.
struct SoakResult {
    let tuning: Heap.Tuning
    let rate: Double
    let sampler: ProcessSampler
}

extension KvittBench {
    /// The executable the soak runs: the probe service on the real host, as a process of its own, so that what is
    /// sampled is a service as deployed, not the benchmark's publisher beside it.
    static let soakExecutable = "kvitt-probe-service"

    /// Runs `total` messages through the probe service in its own process, the publisher held back to at most
    /// 50,000 messages ahead of it, while `/proc/<pid>` and the service's `/metrics` are sampled every 5 s.
    func soak(_ url: AMQPURL, total: Int, tuning: Heap.Tuning, logger: Logger) async throws -> SoakResult {
        let exchange = TestBroker.uniqueName("bench-soak")
        let folder = try TestBroker.temporaryDirectory()
        var environment = serviceTuning
        environment[Heap.Tuning.environmentVariable] = tuning.rawValue
        for assignment in soakEnvironment {
            // validate() has checked the shape.
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(parts[0])] = String(parts[1])
        }
        let processes = ServiceProcesses(
            executables: [Self.soakExecutable],
            exchange: exchange,
            folder: folder,
            broker: url,
            environment: environment
        )
        do {
            let result = try await soak(processes, url: url, total: total, tuning: tuning, logger: logger)
            let status = await processes.terminateAll()[Self.soakExecutable] ?? 0
            await TestBroker.cleanUp(
                services: processes.services.values.map(\.name),
                exchanges: [exchange, processes.deadLetterExchange],
                on: url
            )
            // A service that did not stop cleanly leaves its log (and database) behind to be read.
            if status == 0 {
                try? FileManager.default.removeItem(at: folder)
            } else {
                print("soak: the service exited with status \(status); its log is in \(folder.path)")
            }
            return result
        } catch {
            await processes.terminateAll()
            throw error
        }
    }

    private func soak(_ processes: ServiceProcesses, url: AMQPURL, total: Int, tuning: Heap.Tuning, logger: Logger)
        async throws
        -> SoakResult
    {
        try await processes.start(Self.soakExecutable)
        guard let pid = processes.pid(Self.soakExecutable) else {
            throw BenchFailure("the soak's service is not running")
        }
        let database = processes.databasePath(Self.soakExecutable)
        guard FileManager.default.fileExists(atPath: database) else {
            throw BenchFailure("the soak's service has no database at \(database)")
        }
        // Read only: the service owns the file (its migrations, its pragmas); the soak only counts.
        var readOnly = GRDB.Configuration()
        readOnly.readonly = true
        let serviceDatabase = try DatabasePool(path: database, configuration: readOnly)
        // The probe publishes an event per message. Bound to no queue, each would come back unroutable and stay in
        // the outbox for an operator, which no retention sweeps (a deployment has kvitt.unrouted or a subscriber for
        // them): a short queue that drops its oldest plays the subscriber.
        let eventSink = "\(processes.exchange).events"
        let sinkClient = AMQPClient(url: url, options: .init(connectionName: "bench-soak-sink"), logger: logger)
        try await sinkClient.waitUntilConnected()
        try await sinkClient.perform { session in
            _ = try session.declare(
                AMQPQueue.classic(eventSink, arguments: ["x-max-length": .int64(10_000), "x-overflow": "drop-head"])
            )
            try session.bind(
                AMQPBinding(
                    queue: eventSink,
                    exchange: processes.exchange,
                    routingKey: Probe.EffectApplied.messageType.rawValue
                )
            )
        }
        let publisher = AMQPPublisher(
            url: url,
            options: .init(connectionName: "bench-soak-up"),
            window: window,
            logger: logger
        )
        try await publisher.waitUntilConnected()

        // Progress is what the probe applied (once per message id), not the inbox's rows: the retention sweeper
        // deletes those when the soak runs with a short INBOX_RETENTION.
        let appliedCount: @Sendable () async -> Int = {
            (try? await serviceDatabase.read { db in
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(applications), 0) FROM probe_tally")
            }) ?? 0
        }
        print(
            "soak with the heap \(tuning.rawValue) (\(Heap.Tuning.environmentVariable)=\(tuning.rawValue)), service pid \(pid):"
        )
        let sampler = ProcessSampler()
        let started = ContinuousClock.now
        let sampling = sampler.run(
            every: .seconds(5),
            pid: pid,
            metricsPort: processes.port(Self.soakExecutable),
            database: database,
            processed: appliedCount
        )
        let chunk = 5_000
        for start in stride(from: 0, to: total, by: chunk) {
            // The broker's queue stays short, so that what is measured is the service, not a backlog.
            try await waitUntil("the service to catch up", interval: .milliseconds(500)) {
                await appliedCount() >= start - 10 * chunk
            }
            let batch = try (start..<min(start + chunk, total)).map { index in
                try probeMessage(
                    index,
                    exchange: processes.exchange,
                    key: "k\(soakKeys > 0 ? index % soakKeys : index)"
                )
            }
            for result in await publisher.publish(batch: batch) { try result.get() }
        }
        try await waitUntil("\(total) messages applied", interval: .milliseconds(20)) {
            await appliedCount() >= total
        }
        let elapsed = ContinuousClock.now - started
        sampling.cancel()
        await sampling.value
        await publisher.stop()
        _ = try? await sinkClient.perform { session in try session.deleteQueue(eventSink) }
        await sinkClient.stop()
        return SoakResult(tuning: tuning, rate: Double(total) / elapsed.seconds, sampler: sampler)
    }
}
