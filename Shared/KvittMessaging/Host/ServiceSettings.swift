import Configuration
import KvittAMQP
import Logging

/// A service's settings, read from the environment (through swift-configuration) with documented defaults: every
/// variable with its default and meaning is in ``documented(serviceName:defaultHTTPPort:)``, which `--help` prints.
public struct ServiceSettings: Sendable, Equatable {
    /// The name of its queues, connections, logs and default database: the service's own unless `SERVICE_NAME`.
    public var serviceName: String
    public var amqpURL: AMQPURL
    public var prefetch: UInt16
    public var publishWindow: Int
    public var exchange: String
    public var deadLetterExchange: String
    public var deliveryLimit: Int
    public var databasePath: String
    public var batchSize: Int
    /// Bodies larger than this are dead-lettered as `too-large` without being decoded.
    public var maximumMessageBytes: Int
    /// Payment-matching parks a BgMax file larger than this as `too-large` without parsing it. Bankgirot's files
    /// are 80-byte lines: 8 MiB holds about 100,000 records.
    public var maximumBankFileBytes: Int
    /// The default of ``maximumBankFileBytes``: 8 MiB.
    public static let defaultMaximumBankFileBytes = 8 * 1024 * 1024
    /// How long a graceful shutdown may take before the process exits anyway (unfinished work stays in the outbox
    /// and, unacknowledged, in the broker).
    public var shutdownGrace: Duration
    /// How long a processed message id stays in the inbox: a redelivery later than that is processed again.
    public var inboxRetention: Duration
    /// How long a published (confirmed) outbox row is kept.
    public var outboxRetention: Duration
    public var retryPolicy: RetryPolicy
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// The deployment this process belongs to; only non-production deployments may move the clock.
    public var environment: DeploymentEnvironment
    /// Whether the business clock can be moved forward over HTTP (demo time travel).
    public var clockControl: Bool
    /// How far ahead of the wall clock the business clock starts (only with ``clockControl``).
    public var clockOffset: Duration
    /// Whether the service declares its peers' queues too, so that start order does not matter (`KVITT_DECLARE_PEERS`;
    /// the test harness turns it off, where many small systems share one broker).
    public var declarePeers: Bool

    /// Where the process runs.
    public enum DeploymentEnvironment: String, Sendable, Equatable {
        case production, development, test, demo
    }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, Equatable {
        case text, json
    }

    /// A setting that is present but unusable; the message names the variable and never echoes secrets.
    public struct InvalidSetting: Error, Equatable, CustomStringConvertible {
        public let variable: String
        public let problem: String
        public var description: String { "\(variable): \(problem)" }

        /// A setting a service reads beside the common ones (its own variables) that is present but unusable.
        public init(variable: String, problem: String) {
            self.variable = variable
            self.problem = problem
        }
    }

    /// Reads the settings.
    /// - Throws: ``InvalidSetting`` for the first unusable value.
    public init(serviceName: String, defaultHTTPPort: Int, reader: ConfigReader) throws(InvalidSetting) {
        let renamed = reader.string(forKey: "service.name", default: serviceName)
        let serviceName = renamed.isEmpty ? serviceName : renamed
        self.serviceName = serviceName
        let urlText = reader.string(forKey: "amqp.url", isSecret: true, default: "amqp://guest:guest@127.0.0.1:5672/")
        do {
            amqpURL = try AMQPURL(parsing: urlText)
        } catch {
            throw InvalidSetting(variable: "AMQP_URL", problem: "\(error)")
        }
        prefetch = try Self.int(reader, "amqp.prefetch", "AMQP_PREFETCH", default: 200, range: 1...2000).uint16
        publishWindow = try Self.int(
            reader,
            "amqp.publishWindow",
            "AMQP_PUBLISH_WINDOW",
            default: 1000,
            range: 1...100_000
        )
        exchange = reader.string(forKey: "amqp.exchange", default: "kvitt")
        deadLetterExchange = reader.string(forKey: "amqp.deadLetterExchange", default: "kvitt.dead-letter")
        deliveryLimit = try Self.int(reader, "amqp.deliveryLimit", "AMQP_DELIVERY_LIMIT", default: 20, range: 2...1000)
        databasePath = reader.string(forKey: "database.path", default: "./\(serviceName).sqlite")
        batchSize = try Self.int(reader, "batch.size", "BATCH_SIZE", default: 100, range: 1...5000)
        maximumBankFileBytes = try Self.int(
            reader,
            "max.bank.file.bytes",
            "MAX_BANK_FILE_BYTES",
            default: Self.defaultMaximumBankFileBytes,
            range: 1024...(512 * 1024 * 1024)
        )
        // The broker's own limit (max_message_size, 128 MiB by default in RabbitMQ 3.x, 16 MiB in 4.x) is the ceiling.
        maximumMessageBytes = try Self.int(
            reader,
            "max.message.bytes",
            "MAX_MESSAGE_BYTES",
            default: MessageProcessor.defaultMaximumMessageBytes,
            range: 1024...(512 * 1024 * 1024)
        )
        let graceText = reader.string(forKey: "shutdown.grace", default: "10s")
        guard let grace = DurationText.parse(graceText), grace >= .seconds(1), grace <= .seconds(600) else {
            throw InvalidSetting(
                variable: "SHUTDOWN_GRACE",
                problem: "expected a duration from 1s to 10m, got '\(graceText)'"
            )
        }
        shutdownGrace = grace
        inboxRetention = try Self.duration(
            reader,
            "inbox.retention",
            "INBOX_RETENTION",
            default: "14d",
            atLeast: .seconds(3600)
        )
        outboxRetention = try Self.duration(
            reader,
            "outbox.retention",
            "OUTBOX_RETENTION",
            default: "7d",
            atLeast: .seconds(60)
        )
        let delays = reader.string(forKey: "retry.delays", default: "1s,10s,60s")
        guard let policy = RetryPolicy(parsing: delays) else {
            throw InvalidSetting(variable: "RETRY_DELAYS", problem: "expected a list like 1s,10s,60s, got '\(delays)'")
        }
        retryPolicy = policy
        httpHost = reader.string(forKey: "http.host", default: "127.0.0.1")
        httpPort = try Self.int(reader, "http.port", "HTTP_PORT", default: defaultHTTPPort, range: 0...65535)
        let level = reader.string(forKey: "log.level", default: "info").lowercased()
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw InvalidSetting(variable: "LOG_LEVEL", problem: "unknown level '\(level)'")
        }
        logLevel = parsedLevel
        let format = reader.string(forKey: "log.format", default: "text").lowercased()
        guard let parsedFormat = LogFormat(rawValue: format) else {
            throw InvalidSetting(variable: "LOG_FORMAT", problem: "expected text or json, got '\(format)'")
        }
        logFormat = parsedFormat
        let environmentName = reader.string(forKey: "kvitt.environment", default: "production").lowercased()
        guard let parsedEnvironment = DeploymentEnvironment(rawValue: environmentName) else {
            throw InvalidSetting(
                variable: "KVITT_ENVIRONMENT",
                problem: "expected production, development, test or demo, got '\(environmentName)'"
            )
        }
        environment = parsedEnvironment
        let control = reader.string(forKey: "clock.control", default: "off").lowercased()
        guard ["on", "off"].contains(control) else {
            throw InvalidSetting(variable: "CLOCK_CONTROL", problem: "expected on or off, got '\(control)'")
        }
        clockControl = control == "on"
        let peers = reader.string(forKey: "kvitt.declare.peers", default: "on").lowercased()
        guard ["on", "off"].contains(peers) else {
            throw InvalidSetting(variable: "KVITT_DECLARE_PEERS", problem: "expected on or off, got '\(peers)'")
        }
        declarePeers = peers == "on"
        let offsetText = reader.string(forKey: "clock.offset", default: "0s")
        if offsetText == "0s" || offsetText == "0" {
            clockOffset = .zero
        } else {
            guard let offset = DurationText.parse(offsetText) else {
                throw InvalidSetting(variable: "CLOCK_OFFSET", problem: "expected a duration like 30d or 12h")
            }
            guard clockControl else {
                throw InvalidSetting(variable: "CLOCK_OFFSET", problem: "needs CLOCK_CONTROL=on")
            }
            clockOffset = offset
        }
        try checkClockControl()
    }

    private static func duration(
        _ reader: ConfigReader,
        _ key: ConfigKey,
        _ variable: String,
        default fallback: String,
        atLeast minimum: Duration
    ) throws(InvalidSetting) -> Duration {
        let text = reader.string(forKey: key, default: fallback)
        guard let value = DurationText.parse(text), value >= minimum else {
            throw InvalidSetting(
                variable: variable,
                problem: "expected a duration of at least \(minimum), got '\(text)'"
            )
        }
        return value
    }

    /// Time travel is never allowed in production: checked when the settings are read, and again by the host for
    /// settings built in code.
    public func checkClockControl() throws(InvalidSetting) {
        if clockControl && environment == .production {
            throw InvalidSetting(
                variable: "CLOCK_CONTROL",
                problem: "refused in production; time travel needs KVITT_ENVIRONMENT=development, test or demo"
            )
        }
    }

    /// One setting as `--help` shows it: its variable, its default written as it would be set, and what it does.
    public struct Documented: Sendable, Equatable {
        public let variable: String
        /// The default as a value of the variable; empty when there is none.
        public let defaultValue: String
        public let meaning: String

        public init(_ variable: String, _ defaultValue: String, _ meaning: String) {
            self.variable = variable
            self.defaultValue = defaultValue
            self.meaning = meaning
        }
    }

    /// Every setting every service reads, with its default for this service. Setting each variable to its documented
    /// default gives the same settings as leaving it unset (a test holds the two together).
    public static func documented(serviceName: String, defaultHTTPPort: Int) -> [Documented] {
        [
            .init(
                "AMQP_URL",
                "amqp://guest:guest@127.0.0.1:5672/",
                "broker (amqps:// for TLS 1.2+ with peer verification)"
            ),
            .init(
                "AMQP_CA_CERT",
                "",
                "with amqps://: the CA certificates (PEM) the broker's certificate is checked against"
            ),
            .init("AMQP_PREFETCH", "200", "unacknowledged deliveries the consumer may hold (1-2000)"),
            .init("AMQP_PUBLISH_WINDOW", "1000", "unconfirmed publishes in flight"),
            .init("AMQP_EXCHANGE", "kvitt", "the topic exchange for all messages"),
            .init("AMQP_DEAD_LETTER_EXCHANGE", "kvitt.dead-letter", "where failed messages are parked"),
            .init("AMQP_DELIVERY_LIMIT", "20", "redeliveries before the broker parks a crash-looping message"),
            .init("DATABASE_PATH", "./\(serviceName).sqlite", "the service's SQLite file"),
            .init("BATCH_SIZE", "100", "deliveries per SQLite transaction"),
            .init(
                "MAX_MESSAGE_BYTES",
                "\(MessageProcessor.defaultMaximumMessageBytes)",
                "larger bodies are parked as too-large before decoding"
            ),
            .init(
                "MAX_BANK_FILE_BYTES",
                "\(defaultMaximumBankFileBytes)",
                "payment-matching: a larger BgMax file is parked as too-large unparsed"
            ),
            .init(
                "SHUTDOWN_GRACE",
                "10s",
                "after SIGTERM the process exits within this long, whatever the broker does"
            ),
            .init(
                "INBOX_RETENTION",
                "14d",
                "processed message ids are remembered this long (the deduplication window)"
            ),
            .init("OUTBOX_RETENTION", "7d", "published events are kept this long after their confirm"),
            .init(
                "RETRY_DELAYS",
                "1s,10s,60s",
                "wait before each retry of a transient failure (ms, s, m, h, d; at most 49 days)"
            ),
            .init("HTTP_HOST", "127.0.0.1", "health, metrics and read API address"),
            .init("HTTP_PORT", "\(defaultHTTPPort)", "its port (0 picks a free one)"),
            .init("LOG_LEVEL", "info", "trace, debug, info, notice, warning, error, critical"),
            .init("LOG_FORMAT", "text", "text or json (one JSON object per line); both mask identity numbers"),
            .init("SERVICE_NAME", serviceName, "renames its queues, e.g. a partition payment-matching.p3"),
            .init(
                "KVITT_ENVIRONMENT",
                "production",
                "production, or development/test/demo, which may enable clock control"
            ),
            .init(
                "CLOCK_CONTROL",
                "off",
                "on adds GET/POST /v1/clock to move the business clock (refused in production)"
            ),
            .init("CLOCK_OFFSET", "0s", "start the business clock this far ahead (30d, 12h); needs CLOCK_CONTROL=on"),
            .init(
                "KVITT_DECLARE_PEERS",
                "on",
                "on declares the other services' queues too, so start order does not matter"
            ),
        ]
    }

    /// Reads settings from a dictionary of environment variables (the process's by default).
    public init(serviceName: String, defaultHTTPPort: Int, environment: [String: String]) throws(InvalidSetting) {
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        try self.init(serviceName: serviceName, defaultHTTPPort: defaultHTTPPort, reader: reader)
    }

    /// Reads an integer as text, so that a malformed value is reported instead of silently replaced by the default.
    private static func int(
        _ reader: ConfigReader,
        _ key: ConfigKey,
        _ variable: String,
        default fallback: Int,
        range: ClosedRange<Int>
    ) throws(InvalidSetting) -> Int {
        guard let text = reader.string(forKey: key) else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw InvalidSetting(variable: variable, problem: "expected a whole number, got '\(text)'")
        }
        guard range.contains(value) else {
            throw InvalidSetting(
                variable: variable,
                problem: "must be between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }
}

extension Int {
    fileprivate var uint16: UInt16 { UInt16(clamping: self) }
}
