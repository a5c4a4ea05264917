import Foundation
import KvittAMQP
import KvittContracts
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization

/// Runs a Kvitt service: settings from the environment, logging, metrics, the SQLite store, the broker
/// topology, consumer, outbox relay and HTTP server in one `ServiceGroup` with graceful shutdown on SIGTERM/SIGINT.
///
/// Shutdown order: stop consuming and finish the in-flight batch, stop extra services, flush the outbox, stop HTTP,
/// then close the publishing connection after its last confirms.
public enum KvittServiceHost {
    /// Runs until SIGTERM or SIGINT. `--help` and `--version` answer and exit 0, and any other argument exits with
    /// status 2, before anything starts (``ServiceCommandLine``). A bad setting prints one line and exits with status
    /// 2; a failure to start or run (the HTTP port in use, the database not writable) is logged and exits with status 1.
    public static func run(
        _ definition: ServiceDefinition,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: KvittConfiguration? = nil,
        clock: any BusinessClock = SystemClock(),
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) async throws {
        ServiceCommandLine.handle(definition, arguments: arguments)
        ServiceTracing.unsetEmptyVariables()
        // Before anything starts a thread: glibc gives threads their arenas as they first allocate.
        let heapTuning = settingOrExit(definition.name) { try Heap.Tuning(environment: environment) }
        let heapConfigured = Heap.configure(heapTuning)
        let settings = settingOrExit(definition.name) {
            try ServiceSettings(
                serviceName: definition.name,
                defaultHTTPPort: definition.defaultHTTPPort,
                configuration: configuration
                    ?? KvittConfiguration.load(
                        settings: ServiceCommandLine.settings(of: definition),
                        environment: environment
                    )
            )
        }
        settingOrExit(definition.name) { try settings.checkReadAPIProtected() }
        bootstrapLogging(settings)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: settings.serviceName)
        logger.logLevel = settings.logLevel
        if !heapConfigured {
            logger.warning(
                "the C library refused the heap tuning; it runs with its defaults",
                metadata: ["heap.tuning": "\(heapTuning)"]
            )
        }
        do {
            let tracingExporter = ServiceTracing.bootstrap(service: definition.name, settings, logger: logger)
            let group = try build(
                definition,
                settings: settings,
                registry: registry,
                clock: clock,
                tracingExporter: tracingExporter,
                logger: logger
            )
            try await group.run()
        } catch is CancellationError where !ShutdownWatchdog.failed {
            // The shutdown outlasted SHUTDOWN_GRACE and the group cancelled what was left: nothing failed, and what
            // was cancelled is safe (unacknowledged messages return, unpublished events wait in the outbox). Status 3,
            // as when the watchdog ends a shutdown that outlasts the grace period.
            logger.warning("shutdown outlasted its grace period; the rest was cancelled")
            exit(3)
        } catch {
            // A port in use, an unwritable database, a failed migration: one line and a non-zero exit, not a trap.
            // A service that failed while the group ran has already said why (``ShutdownWatchdog/FailureReporting``).
            ShutdownWatchdog.noteFailure(error, logger: logger)
            exit(1)
        }
        logger.info("stopped cleanly")
    }

    /// Bootstraps the process's tracer as ``run(_:environment:configuration:clock:arguments:)`` does (swift-otel, W3C
    /// trace context, spans exported only to `OTEL_EXPORTER_OTLP_ENDPOINT`), for a process that builds its service
    /// group itself (the benchmark's traced runtime); pass the result to ``build(_:settings:registry:clock:onHTTPRunning:handlesSignals:tracingExporter:logger:)``.
    /// Once per process. Nil when tracing is switched off.
    public static func bootstrapTracing(service: String, settings: ServiceSettings, logger: Logger) -> (any Service)? {
        ServiceTracing.bootstrap(service: service, settings, logger: logger)
    }

    /// The configuration of a service (every source, ``KvittConfiguration``), for a service that reads its own
    /// settings before ``run(_:environment:configuration:clock:arguments:)``; a file or secret that cannot be read
    /// prints one line and exits with status 2.
    public static func loadConfiguration(
        _ definition: ServiceDefinition,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> KvittConfiguration {
        loadConfiguration(
            name: definition.name,
            settings: ServiceCommandLine.settings(of: definition),
            environment: environment
        )
    }

    /// The value `read` makes from the settings, or — when a setting is refused — one line naming it on standard error
    /// and exit status 2, before anything starts: the one way every executable answers a bad setting.
    public static func settingOrExit<Value>(_ name: String, _ read: () throws -> Value) -> Value {
        do {
            return try read()
        } catch {
            FileHandle.standardError.write(Data("\(name): invalid setting \(error)\n".utf8))
            exit(2)
        }
    }

    /// ``loadConfiguration(_:environment:)`` by the service's name and every setting it reads.
    public static func loadConfiguration(
        name: String,
        settings: [Setting],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> KvittConfiguration {
        settingOrExit(name) { try KvittConfiguration.load(settings: settings, environment: environment) }
    }

    /// Builds the service group without running it (tests run it and trigger shutdown themselves, without signals).
    public static func build(
        _ definition: ServiceDefinition,
        settings: ServiceSettings,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        clock: any BusinessClock = SystemClock(),
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        handlesSignals: Bool = true,
        tracingExporter: (any Service)? = nil,
        logger: Logger
    ) throws -> ServiceGroup {
        // SERVICE_NAME (in the settings) renames the service's queues: a partition `payment-matching.p3`, or a
        // test's own copy.
        var definition = definition
        // The catalogue knows the service by its own name, before SERVICE_NAME renamed its queues.
        let catalogueService = KvittService(rawValue: definition.name)
        definition.name = settings.serviceName
        let store = try MessageStore(path: settings.databasePath, migrations: definition.migrations)
        // Time travel only exists when the settings allowed it (never in production); otherwise the clock is untouched.
        try settings.checkClockControl()
        let adjustableClock: AdjustableClock?
        if settings.clockControl {
            // A restart resumes at the offset already reached (and keeps a larger CLOCK_OFFSET for the next one), so
            // this service never falls behind the others or the dates it stored.
            let configured = settings.clockOffset
            let offset = try store.writer.write { db in
                let offset = max(configured, try ClockOffsetStore.load(db))
                try ClockOffsetStore.save(offset, db)
                return offset
            }
            adjustableClock = AdjustableClock(base: clock, offset: offset)
        } else {
            adjustableClock = nil
        }
        let clock: any BusinessClock = adjustableClock ?? clock
        if let adjustableClock {
            logger.warning(
                "clock control is on: the business clock can be moved forward over HTTP",
                metadata: ["clock.offset": "\(adjustableClock.offset)", "environment": "\(settings.environment)"]
            )
        }
        if settings.apiToken == nil {
            // A process in production refuses to start without it (run()); a group built in code in production (a
            // test, the benchmark) warns, and elsewhere the start says what is open.
            logger.log(
                level: settings.environment == .production ? .warning : .info,
                "API_TOKEN is not set: the read API answers without a bearer token",
                metadata: ["environment": "\(settings.environment)"]
            )
        }
        let metrics = ServiceMetrics()
        // Created first: handlers, the scheduler and the consumer all wake the relay after committing outbox rows.
        let outboxWritten = WakeSignal()
        let context = ServiceContext(
            settings: settings,
            store: store,
            clock: clock,
            logger: logger,
            outboxCommitted: { outboxWritten.signal() }
        )
        var handlers = HandlerRegistry()
        definition.handlers(&handlers, context)
        let topology = ServiceTopology(
            serviceName: definition.name,
            messageTypes: handlers.messageTypes,
            retryPolicy: settings.retryPolicy,
            exchange: settings.exchange,
            deadLetterExchange: settings.deadLetterExchange,
            deliveryLimit: settings.deliveryLimit
        )
        let system = catalogueService.flatMap {
            SystemTopology.of(
                $0,
                queueName: settings.serviceName,
                exchange: settings.exchange,
                deadLetterExchange: settings.deadLetterExchange,
                retryPolicy: settings.retryPolicy,
                deliveryLimit: settings.deliveryLimit
            )
        }
        // A partition or a test's unique copy cannot know its peers' queue names: it declares only its own queues (the
        // services of its system declare the rest).
        // `KVITT_DECLARE_PEERS=off` leaves the peers to themselves: the test harness starts many small systems side by
        // side, and every service declaring every peer's quorum queues would load the one test broker for nothing.
        var peers = AMQPTopology()
        if let catalogueService, let system, settings.declarePeers {
            peers = SystemTopologyDeclarer.peers(of: catalogueService, in: system)
        }
        let topologyDeclarer = SystemTopologyDeclarer(
            url: settings.amqpURL,
            // The TLS files come from the settings (a configuration file or a secret), as for every other connection.
            options: settings.amqpOptions(connectionName: "\(definition.name)-topology"),
            shared: system?.sharedTopology ?? AMQPTopology(),
            peers: peers,
            unroutedQueue: SystemTopology.unroutedExchange(of: settings.exchange),
            metrics: metrics,
            logger: logger
        )
        let publisher = AMQPPublisher(
            url: settings.amqpURL,
            options: settings.amqpOptions(connectionName: "\(definition.name)-publisher"),
            topology: topology.amqpTopology,
            window: settings.publishWindow,
            logger: logger
        )
        let consumer = AMQPConsumer(
            url: settings.amqpURL,
            options: settings.amqpOptions(connectionName: "\(definition.name)-consumer"),
            topology: topology.amqpTopology,
            queues: [topology.queue],
            prefetch: settings.prefetch,
            logger: logger
        )
        let relay = OutboxRelay(
            store: store,
            publisher: publisher,
            exchange: settings.exchange,
            metrics: metrics,
            wakeSignal: outboxWritten,
            logger: logger
        )
        let processor = MessageProcessor(
            serviceName: definition.name,
            registry: handlers,
            store: store,
            clock: clock,
            retryPolicy: settings.retryPolicy,
            metrics: metrics,
            maximumMessageBytes: settings.maximumMessageBytes,
            logger: logger
        )
        let databaseHealth = DatabaseHealth()
        let consumerService = ConsumerService(
            consumer: consumer,
            processor: processor,
            publisher: publisher,
            topology: topology,
            batchSize: settings.batchSize,
            clock: clock,
            onCommitted: { outboxWritten.signal() },
            databaseHealth: databaseHealth,
            logger: logger
        )
        let recordConnections: @Sendable () -> Void = {
            metrics.brokerConnections(
                reconnects: publisher.reconnects + consumer.reconnects,
                refusedMessages: publisher.refusedMessages,
                blocked: publisher.blockedReason != nil
            )
        }
        let attention = AttentionReport(gauges: definition.attention(context), registry: registry)
        let readiness = ReadinessProbe(
            failures: {
                recordConnections()
                var failures: [String] = []
                if !topologyDeclarer.isDeclared {
                    failures.append("broker: the system topology (peers' queues, kvitt.unrouted) is not declared yet")
                }
                if !publisher.isConnected {
                    failures.append("broker: publisher not connected (\(publisher.reconnects) reconnects since start)")
                }
                if let reason = publisher.blockedReason {
                    failures.append("broker blocked (memory/disk alarm): \(reason); publishing waits")
                }
                if !consumer.isConnected {
                    failures.append("broker: consumer not connected (\(consumer.reconnects) reconnects since start)")
                }
                if let reason = databaseHealth.unavailable {
                    failures.append("database: refuses writes, consuming paused (\(reason))")
                }
                do {
                    let backlog = try await store.writer.write { db in try Outbox.backlog(db) }
                    if backlog > 10_000 { failures.append("outbox: \(backlog) messages waiting") }
                } catch {
                    failures.append("database: not writable (\(error))")
                }
                return failures
            },
            attention: { await attention.refresh() }
        )
        let heapGauges = HeapGauges(registry: registry)
        let http = HealthServer.make(
            host: settings.httpHost,
            port: settings.httpPort,
            registry: registry,
            readiness: readiness,
            apiToken: settings.apiToken,
            beforeMetrics: {
                recordConnections()
                heapGauges.record()
                _ = await attention.refresh()
            },
            routes: { router in
                definition.routes(router, context)
                if let adjustableClock {
                    ClockRoutes.add(to: router, clock: adjustableClock, store: store, logger: logger)
                }
            },
            onRunning: { port in
                logger.info("HTTP listening", metadata: ["http.port": "\(port)"])
                await onHTTPRunning(port)
            },
            logger: logger
        )
        logger.info(
            "starting",
            metadata: [
                "amqp.url": "\(settings.amqpURL)", "database.path": "\(settings.databasePath)",
                "queue": "\(topology.queue)",
                "declares": "\(system == nil ? "own queues" : "the whole system's queues")",
                "handles": "\(handlers.messageTypes.map(\.rawValue).joined(separator: ","))",
            ]
        )
        var services: [any Service] =
            [
                PublisherCloser(publisher: publisher), http, topologyDeclarer,
                AfterSystemTopology(declarer: topologyDeclarer, service: relay),
            ] + definition.services(context) + [consumerService]
        services.insert(
            RetentionSweeper(
                store: store,
                clock: clock,
                inboxRetention: settings.inboxRetention,
                outboxRetention: settings.outboxRetention,
                logger: logger
            ),
            at: 1
        )
        services.insert(HeapTrimmer(), at: 2)
        // First, so that it stops last: the spans of the last messages handled and published are flushed.
        if let tracingExporter { services.insert(tracingExporter, at: 0) }
        if handlesSignals {
            ShutdownWatchdog.arm(grace: settings.shutdownGrace, logger: logger)
            services.append(ShutdownWatchdog.GroupShutdown(grace: settings.shutdownGrace, logger: logger))
        }
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: ShutdownWatchdog.FailureReporting(service: $0, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            },
            gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        // Past the grace period the services are cancelled; the watchdog ends the process if even that hangs.
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        return ServiceGroup(configuration: configuration)
    }

    private static func bootstrapLogging(_ settings: ServiceSettings) {
        LoggingSystem.bootstrap(
            { label, metadataProvider in
                logHandler(
                    settings.logFormat,
                    label: label,
                    level: settings.logLevel,
                    metadataProvider: metadataProvider
                )
            },
            metadataProvider: ServiceTracing.logMetadata
        )
    }

    /// The log handler of a `LOG_FORMAT`. Every format masks numbers shaped like a personnummer or
    /// organisationsnummer (``PersonalDataMasking``) and stamps lines in ISO 8601 with the offset from UTC.
    /// - Parameter write: where the lines go (standard error by default; memory in a test).
    public static func logHandler(
        _ format: ServiceSettings.LogFormat,
        label: String,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping LogOutput.Write = LogOutput.standardError
    ) -> any LogHandler {
        var handler = MaskingLogHandler(format: format, label: label, metadataProvider: metadataProvider, write: write)
        handler.logLevel = level
        return handler
    }
}

/// glibc's heap on `/metrics`, read at each scrape: what live allocations hold, and what the allocator keeps free
/// (resident until trimmed). Resident memory alone cannot tell a leak from fragmentation; the two together can.
private struct HeapGauges: Sendable {
    let inUse: Prometheus.Gauge
    let free: Prometheus.Gauge

    init(registry: PrometheusCollectorRegistry) {
        inUse = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "kvitt_heap_in_use",
                unitName: "bytes",
                helpText: "Bytes in live allocations on the C heap (malloc_info; mmapped blocks excluded)."
            )
        )
        free = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "kvitt_heap_free",
                unitName: "bytes",
                helpText: "Bytes free inside the C allocator's arenas, resident until trimmed."
            )
        )
    }

    /// Nothing is recorded off glibc, where the totals are not available.
    func record() {
        guard let statistics = Heap.statistics() else { return }
        inUse.set(Int64(statistics.inUse))
        free.set(Int64(statistics.free))
    }
}

/// Keeps the publishing connection open until everything else has stopped, then closes it.
private struct PublisherCloser: Service {
    let publisher: AMQPPublisher

    func run() async throws {
        try? await gracefulShutdown()
        await publisher.stop()
    }
}

/// Ends the process when a graceful shutdown outlasts its grace period: a publisher blocked in a write to a frozen
/// broker, or a wait for confirms that never come, must not keep a stopping service alive until it is killed.
/// Exiting is safe at any point: what was not acknowledged is delivered again, and unpublished events stay in the
/// outbox.
///
/// The signal itself starts the countdown, through dispatch signal sources on a queue of their own and a plain thread:
/// not only a task of the service group, because the cooperative pool (two threads on a two-core machine) may be the
/// very thing that is stuck, or busy still starting the group when the signal comes. A shutdown the group starts
/// itself (a service that failed or ended) starts it through ``GroupShutdown``.
private enum ShutdownWatchdog {
    /// Says why a service failed the moment it fails, and makes the exit status 1: the group's shutdown that follows
    /// may outlast the grace period on a loaded machine, and the reason must be on the log whichever ends the process.
    struct FailureReporting: Service, CustomStringConvertible {
        let service: any Service
        let logger: Logger

        var description: String { String(describing: type(of: service)) }

        func run() async throws {
            do {
                try await service.run()
            } catch {
                // Cancellation is the group stopping a service, never the cause of the stop, and so is whatever a
                // service throws once cancelled (a closed channel, a dropped connection).
                if !(error is CancellationError) && !Task.isCancelled { noteFailure(error, logger: logger) }
                throw error
            }
        }
    }

    /// Starts the countdown when the group shuts down for any reason, not only a signal.
    struct GroupShutdown: Service {
        let grace: Duration
        let logger: Logger

        func run() async throws {
            try? await gracefulShutdown()
            ShutdownWatchdog.startCountdown(grace: grace, logger: logger)
        }
    }

    /// Beyond the grace period, for the group's own cancellation to finish first.
    static let cancellationAllowance: Duration = .seconds(2)
    private static let queue = DispatchQueue(label: "kvitt.shutdown-watchdog")
    /// The armed sources (kept alive for the life of the process), whether the countdown has begun, and whether a
    /// service failed (the exit status is then 1, as for a failed start, not 3).
    private static let state = Mutex<(sources: [any DispatchSourceSignal], counting: Bool, failed: Bool)>(
        ([], false, false)
    )

    /// Whether a service failed.
    static var failed: Bool { state.withLock { $0.failed } }

    /// Logs the first failure of a service as the reason the process stops; later ones are consequences.
    static func noteFailure(_ error: any Error, logger: Logger) {
        let earlier = state.withLock { state in
            defer { state.failed = true }
            return state.failed
        }
        if !earlier { logger.critical("stopped: \(error)") }
    }

    static func arm(grace: Duration, logger: Logger) {
        for signalNumber in [SIGTERM, SIGINT] {
            // A dispatch signal source sees the signal only while its default action is off (ServiceLifecycle does the
            // same when the group runs); until then the watchdog alone answers it, and ends a start that hangs.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { startCountdown(grace: grace, logger: logger) }
            source.resume()
            state.withLock { $0.sources.append(source) }
        }
    }

    static func startCountdown(grace: Duration, logger: Logger) {
        let first = state.withLock { state in
            defer { state.counting = true }
            return !state.counting
        }
        guard first else { return }
        let limit = grace + cancellationAllowance
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds))
            logger.critical(
                "shutdown did not finish within the grace period; exiting (unacknowledged messages stay in the broker, unpublished events in the outbox)",
                metadata: ["shutdown.grace": "\(grace)"]
            )
            exit(failed ? 1 : 3)
        }
    }
}
