import ArgumentParser
import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Synchronization

/// Benchmarks that are not tests: each prints its figures and, where it compares, a ratio measured in the same run.
@main
struct KvittBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvitt-bench",
        abstract: "Measure the broker round trip through KvittAMQP and the messaging runtime against it."
    )

    @Option(help: "AMQP URL of the broker.")
    var url = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    @Option(help: "Messages per measurement.")
    var messages = 100_000
    @Option(help: "Body size in bytes.")
    var size = 400
    @Option(help: "Unconfirmed publishes in flight.")
    var window = 1000
    @Option(help: "Consumer prefetch.")
    var prefetch: UInt16 = 300
    @Option(help: "Runtime: deliveries per SQLite transaction.")
    var batchSize = 300
    @Flag(help: "Skip the runtime measurement (raw round trip only).")
    var rawOnly = false
    @Flag(
        help: """
            Runtime: measure it again with a service process's tracer (swift-otel; a span per message handled and \
            published, nothing exported) and print the ratio traced / untraced.
            """
    )
    var tracingCost = false
    @Option(
        help: "Payments: invoices issued and paid through BgMax files by the payment-matching executable (0 skips)."
    )
    var payments = 0
    @Option(help: "Payments: open receivables for the matching-cost comparison (the smaller size is 10,000; 0 skips).")
    var largeReceivables = 0

    @Option(
        help:
            "Latency: payments at a steady rate through the four services, register-payment to invoice-paid (0 skips)."
    )
    var latencyPayments = 0
    @Option(help: "Latency: payments per second.")
    var latencyRate = 200
    @Option(
        help:
            "Fault injection: invoices and payments through the four services while they are killed and the broker restarts (0 skips)."
    )
    var faultInvoices = 0
    @Option(help: "Fault injection: invoices per round (created, credited and paid together).")
    var faultRound = 1000
    @Option(help: "Fault injection: kill -9 of a random service, each followed by a restart.")
    var faultKills = 20
    @Option(help: "Fault injection: clean broker stops (rabbitmqctl shutdown) and starts.")
    var faultBrokerRestarts = 0
    @Option(help: "Fault injection: kill -9 of the broker's Erlang VM, each followed by a start.")
    var faultBrokerKills = 2
    @Option(help: "Fault injection: broker frozen with SIGSTOP for three heartbeats, then SIGCONT.")
    var faultFreezes = 1
    @Option(help: "Fault injection: cuts of the services' link to the broker (both ways, then one way, in turn).")
    var faultLinkCuts = 1
    @Option(help: "Fault injection: memory alarms.")
    var faultMemoryAlarms = 1
    @Option(help: "Fault injection: disk alarms.")
    var faultDiskAlarms = 1
    @Option(help: "Fault injection: payment-matching's database file system filled (needs root for a tmpfs).")
    var faultDatabaseFull = 1
    @Option(help: "Fault injection: the AMQP heartbeat (seconds) the broker offers during the run.")
    var faultHeartbeat = 5
    @Option(help: "Fault injection: every n-th invoice gets a partial credit invoice (0: none).")
    var faultCreditEvery = 7
    @Option(help: "Fault injection: every n-th invoice is paid partly by an applied standalone credit (0: none).")
    var faultAppliedCreditEvery = 11
    @Option(
        help:
            "Fault injection: every n-th invoice is ROT/RUT, paid, claimed in a claim file and decided (0: none)."
    )
    var faultTaxReductionEvery = 16
    @Flag(
        inversion: .prefixedNo,
        help: "Fault injection: after the payments, 40 days of time travel give every owing invoice its reminder."
    )
    var faultLadder = true
    @Option(help: "Fault injection: poison messages.")
    var faultPoison = 40
    @Option(
        name: [.customLong("seed"), .customLong("fault-seed")],
        help: "Fault injection: seed of the random choices (a fresh one, printed, when absent)."
    )
    var faultSeed: UInt64?
    @Option(
        help:
            "Soak: messages through the probe service as a process of its own, with its memory, descriptors, threads, heap and database size sampled every 5 s (0 skips)."
    )
    var soakMessages = 0
    @Option(
        help:
            "Soak: the service's heap tuning (KVITT_MALLOC): tuned, glibc, or both, one service process after the other."
    )
    var soakMalloc = SoakMalloc.both
    @Option(
        name: .customLong("soak-env"),
        help: "Soak: an extra NAME=VALUE in the service's environment (repeatable), e.g. GLIBC_TUNABLES=…"
    )
    var soakEnvironment: [String] = []
    @Option(
        help:
            "Soak: how many distinct probe keys the messages cycle through, so that the service's own table stays this size and only the inbox and outbox grow (0: a key per message)."
    )
    var soakKeys = 0

    mutating func validate() throws {
        for assignment in soakEnvironment where !assignment.dropFirst().contains("=") {
            throw ValidationError("--soak-env \(assignment): expected NAME=VALUE")
        }
        if largeReceivables > 0 && largeReceivables < 10_000 {
            throw ValidationError("--large-receivables must be at least 10000")
        }
    }

    func run() async throws {
        let amqpURL = try AMQPURL(parsing: url)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let machine =
            "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
        print("kvitt-bench \(Date().ISO8601Format()) on \(machine); \(messages) messages of \(size) bytes")
        let raw = try await roundTrip(amqpURL, logger: logger)
        print(
            String(
                format: "raw round trip (publish window %d, prefetch %d, multiple acks): %.0f msg/s",
                window,
                prefetch,
                raw
            )
        )
        if !rawOnly {
            let runtime = try await runtimePipeline(amqpURL, total: messages, logger: logger)
            print(
                String(
                    format:
                        "runtime pipeline (decode, inbox, handler, outbox event, commit, ack; batch %d): %.0f msg/s",
                    batchSize,
                    runtime
                )
            )
            print(String(format: "ratio runtime / raw round trip: %.2f", runtime / raw))
            if tracingCost {
                // Last: a process bootstraps its tracer once, and everything after this would be traced.
                let traced = try await runtimePipeline(amqpURL, total: messages, traced: true, logger: logger)
                print(
                    String(
                        format:
                            "runtime pipeline traced (a span per message handled and per event published, none exported): %.0f msg/s",
                        traced
                    )
                )
                print(String(format: "ratio traced / untraced runtime: %.2f", traced / runtime))
            }
        }
        if soakMessages > 0 {
            let warmUp = min(200_000, soakMessages / 10)
            var results: [SoakResult] = []
            for tuning in soakMalloc.tunings {
                let result = try await soak(amqpURL, total: soakMessages, tuning: tuning, logger: logger)
                print(
                    String(
                        format: "soak (heap %@): %d messages through the service at %.0f msg/s",
                        tuning.rawValue,
                        soakMessages,
                        result.rate
                    )
                )
                print(result.sampler.summary(warmUp: warmUp))
                fflush(nil)
                results.append(result)
            }
            if results.count > 1 {
                print(
                    "soak compared: "
                        + results.map { result in
                            String(
                                format:
                                    "heap %@ anonymous %+.1f MiB after warm-up at %.0f msg/s, %.0f µs CPU a message",
                                result.tuning.rawValue,
                                result.sampler.anonymousGrowthMiB(warmUp: warmUp) ?? .nan,
                                result.rate,
                                result.sampler.cpuMicrosecondsPerMessage(warmUp: warmUp) ?? .nan
                            )
                        }
                        .joined(separator: "; ")
                )
            }
        }
        if payments > 0 {
            let bench = PaymentsBenchmark(url: amqpURL, logger: logger)
            let settled = try await bench.settlement(payments: payments)
            print(
                String(
                    format:
                        "payments settled (BgMax import to the last invoice-paid, payment-matching process): %.0f payments/s",
                    settled
                )
            )
            print(String(format: "ratio payments settled / raw round trip: %.2f", settled / raw))
        }
        if latencyPayments > 0 {
            let system = try await SystemBenchmark(url: amqpURL, logger: logger)
                .run(payments: latencyPayments, rate: latencyRate)
            for (service, startup) in system.startup.sorted(by: { $0.key < $1.key }) {
                print(
                    String(
                        format: "%@: ready in %.0f ms; resident memory %d MiB at rest, %d MiB under load",
                        service,
                        startup.seconds * 1000,
                        (system.restingKiB[service] ?? 0) / 1024,
                        (system.loadedKiB[service] ?? 0) / 1024
                    )
                )
            }
            print(
                String(
                    format:
                        "latency register-payment → invoice-paid at %d/s over %d payments: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    latencyRate,
                    system.latencies.count,
                    system.percentile(0.5).seconds * 1000,
                    system.percentile(0.99).seconds * 1000,
                    system.percentile(1).seconds * 1000
                )
            )
        }
        if faultInvoices > 0 {
            try await faultInjection(amqpURL, logger: logger)
        }
        if largeReceivables > 0 {
            let bench = PaymentsBenchmark(url: amqpURL, logger: logger)
            let small = try await bench.matchingCost(openReceivables: 10_000, payments: 10_000)
            let large = try await bench.matchingCost(openReceivables: largeReceivables, payments: 10_000)
            print(
                String(
                    format: "matching cost per payment: %.1f µs at 10,000 open receivables, %.1f µs at %d",
                    small,
                    large,
                    largeReceivables
                )
            )
            print(String(format: "ratio %d / 10,000 receivables: %.2f", largeReceivables, large / small))
        }
    }

    /// The long fault-injection run: prints its figures and fails when the books do not balance or a nemesis left
    /// no trace.
    func faultInjection(_ url: AMQPURL, logger: Logger) async throws {
        let plan = FaultInjectionPlan(
            invoices: faultInvoices,
            invoicesPerRound: faultRound,
            unmatchedPayments: max(1, faultInvoices / 20),
            kills: faultKills,
            brokerRestarts: faultBrokerRestarts,
            brokerKills: faultBrokerKills,
            brokerFreezes: faultFreezes,
            linkCuts: faultLinkCuts,
            memoryAlarms: faultMemoryAlarms,
            diskAlarms: faultDiskAlarms,
            databaseFulls: faultDatabaseFull,
            databaseFileSystemMegabytes: 512,
            heartbeatSeconds: faultHeartbeat,
            creditEvery: faultCreditEvery,
            appliedCreditEvery: faultAppliedCreditEvery,
            taxReductionEvery: faultTaxReductionEvery,
            collectionLadder: faultLadder,
            poisonMessages: faultPoison,
            seed: faultSeed ?? FaultInjectionPlan.randomSeed()
        )
        print("fault injection: \(faultInvoices) invoices, seed \(plan.seed) (repeat with --seed \(plan.seed))")
        let report = try await FaultInjectionRun(plan: plan, broker: url, logger: logger) { line in
            print("  \(line)")
            // Flushed at once (all streams: naming stdout is not concurrency-safe), so a long run shows progress.
            fflush(nil)
        }
        .run()
        print(report.description.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        if !report.violations.isEmpty || !report.unnoticed.isEmpty { throw ExitCode(1) }
    }

    /// Publishes `messages` persistent messages to a fresh quorum queue while consuming them with manual acks.
    func roundTrip(_ url: AMQPURL, logger: Logger) async throws -> Double {
        let queue = TestBroker.uniqueName("bench-raw")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPPublisher(
            url: url,
            options: .init(connectionName: "bench-pub"),
            topology: topology,
            window: window,
            logger: logger
        )
        let consumer = AMQPConsumer(
            url: url,
            options: .init(connectionName: "bench-con"),
            topology: topology,
            queues: [queue],
            prefetch: prefetch,
            logger: logger
        )
        try await publisher.waitUntilConnected()
        try await consumer.waitUntilConnected()
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let total = messages
        let started = ContinuousClock.now
        let consuming = Task {
            var received = 0
            for await batch in consumer.batches {
                received += batch.count
                consumer.ack(batch.last!, multiple: true)
                if received >= total { break }
            }
        }
        let chunk = 5_000
        for start in stride(from: 0, to: total, by: chunk) {
            let batch = (start..<min(start + chunk, total)).map { index in
                AMQPOutgoingMessage(
                    exchange: "",
                    routingKey: queue,
                    properties: AMQPProperties(messageID: "m\(index)"),
                    body: body
                )
            }
            for result in await publisher.publish(batch: batch) { try result.get() }
        }
        await consuming.value
        let elapsed = ContinuousClock.now - started
        await consumer.stop()
        await publisher.stop()
        await TestBroker.cleanUp(queues: [queue], on: url)
        return Double(total) / elapsed.seconds
    }

    /// The same load through the messaging runtime: a service consumes from the broker, decodes, dedupes in the
    /// inbox, runs a handler that writes a row and an outbox event, commits per batch, and acks.
    func runtimePipeline(_ url: AMQPURL, total: Int, traced: Bool = false, logger: Logger) async throws -> Double {
        let name = TestBroker.uniqueName("bench-svc")
        let exchange = TestBroker.uniqueName("bench-kvitt")
        let folder = try TestBroker.temporaryDirectory()
        let settings = try ServiceSettings(
            serviceName: name,
            defaultHTTPPort: 0,
            environment: [
                "AMQP_URL": url.environmentValue,
                "AMQP_EXCHANGE": exchange, "AMQP_DEAD_LETTER_EXCHANGE": "\(exchange).dead-letter",
                "DATABASE_PATH": folder.appendingPathComponent("bench.sqlite").path, "HTTP_PORT": "0",
            ].merging(serviceTuning) { _, tuning in tuning }
        )
        let definition = ProbeService.definition(name: name, handlerDelay: .zero)
        let exporter =
            traced ? KvittServiceHost.bootstrapTracing(service: name, settings: settings, logger: logger) : nil
        let group = try KvittServiceHost.build(
            definition,
            settings: settings,
            handlesSignals: false,
            tracingExporter: exporter,
            logger: logger
        )
        let running = Task { try await group.run() }
        let publisher = AMQPPublisher(
            url: url,
            options: .init(connectionName: "bench-up"),
            window: window,
            logger: logger
        )
        try await publisher.waitUntilConnected()
        let store = try MessageStore(path: settings.databasePath)
        // Wait until the service has declared its queue and bound it.
        try await Task.sleep(for: .seconds(1))

        let started = ContinuousClock.now
        let chunk = 5_000
        for start in stride(from: 0, to: total, by: chunk) {
            let batch = try (start..<min(start + chunk, total)).map { index in
                try probeMessage(index, exchange: exchange, key: "k\(index)")
            }
            for result in await publisher.publish(batch: batch) { try result.get() }
        }
        try await waitUntil("\(total) messages in the inbox", interval: .milliseconds(20)) {
            try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kvitt_inbox") ?? 0 }
                >= total
        }
        let elapsed = ContinuousClock.now - started
        await group.triggerGracefulShutdown()
        try await running.value
        await publisher.stop()
        await TestBroker.cleanUp(services: [name], exchanges: [exchange, "\(exchange).dead-letter"], on: url)
        try? FileManager.default.removeItem(at: folder)
        return Double(total) / elapsed.seconds
    }

    /// The service settings the benchmark's options set, the same for the runtime pipeline and the soak's service.
    var serviceTuning: [String: String] {
        ["AMQP_PREFETCH": "\(prefetch)", "BATCH_SIZE": "\(batchSize)", "AMQP_PUBLISH_WINDOW": "\(window)"]
    }

    /// Message `index` of a run through the probe service: an `ApplyEffect` to `key` with the message id `m<index>`.
    func probeMessage(_ index: Int, exchange: String, key: String) throws -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: Probe.ApplyEffect.messageType.rawValue,
            properties: AMQPProperties(
                envelope: MessageEnvelope(messageID: "m\(index)", type: Probe.ApplyEffect.messageType)
            ),
            body: try paddedBody(key: key)
        )
    }

    /// A probe command padded to the benchmark's body size (a realistic JSON command, not a tiny one).
    func paddedBody(key: String) throws -> [UInt8] {
        let base = try MessageCoding.encode(Probe.ApplyEffect(key: key, amount: 1))
        let padding = max(0, size - base.count)
        return try MessageCoding.encode(Probe.ApplyEffect(key: key + String(repeating: "-", count: padding), amount: 1))
    }

}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
