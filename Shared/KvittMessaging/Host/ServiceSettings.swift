import Configuration
import Foundation
import KvittAMQP
import Logging

/// A service's settings, read through ``KvittConfiguration`` (environment, configuration file, secrets, defaults):
/// every setting is a ``Setting`` defined once with its default and meaning, listed by
/// ``documented(serviceName:defaultHTTPPort:)``, which `--help` prints.
public struct ServiceSettings: Sendable, Equatable {
    /// The name of its queues, connections, logs and default database: the service's own unless `SERVICE_NAME`.
    public var serviceName: String
    /// The broker, with `AMQP_PASSWORD` in place of the URL's password when it is set.
    public var amqpURL: AMQPURL
    /// With `amqps://`: the CA certificates (PEM) the broker's certificate is checked against.
    public var amqpCACertificate: String?
    /// With `amqps://`: the client certificate and its key (PEM) for mutual TLS; both or neither.
    public var amqpClientCertificate: String?
    public var amqpClientKey: String?
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
    /// The bearer token every HTTP route but health and metrics requires (`API_TOKEN`); nil leaves them open.
    public var apiToken: APIToken?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Where spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`, the base URL); nil exports nothing.
    public var otlpEndpoint: URL?
    public var otlpProtocol: OTLPProtocol
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
    public enum DeploymentEnvironment: String, Sendable, Equatable, CaseIterable {
        case production, development, test, demo
    }

    /// How spans are encoded for the collector, named as OpenTelemetry's `OTEL_EXPORTER_OTLP_PROTOCOL` names them.
    public enum OTLPProtocol: String, Sendable, Equatable, CaseIterable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
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

    /// The delivery limits a work queue may be declared with (`AMQP_DELIVERY_LIMIT`): at least one redelivery, and
    /// few enough that a crash-looping message is parked within minutes.
    public static let deliveryLimits = 2...1000

    /// Reads the settings.
    /// - Throws: ``InvalidSetting`` for the first unusable value.
    public init(
        serviceName: String,
        defaultHTTPPort: Int,
        configuration: KvittConfiguration
    ) throws(InvalidSetting) {
        let config = configuration
        let serviceName = config.optionalText(.serviceName(serviceName)) ?? serviceName
        self.serviceName = serviceName
        amqpURL = try Self.amqpURL(config)
        amqpCACertificate = try config.readableFile(.amqpCACertificate)
        amqpClientCertificate = try config.readableFile(.amqpClientCertificate)
        amqpClientKey = try config.readableFile(.amqpClientKey)
        if (amqpClientCertificate == nil) != (amqpClientKey == nil) {
            throw InvalidSetting(
                variable: amqpClientCertificate == nil
                    ? Setting.amqpClientCertificate.variable
                    : Setting.amqpClientKey.variable,
                problem: "mutual TLS needs both AMQP_CLIENT_CERT and AMQP_CLIENT_KEY"
            )
        }
        prefetch = UInt16(try config.int(.amqpPrefetch, in: 1...2000))
        publishWindow = try config.int(.amqpPublishWindow, in: 1...100_000)
        exchange = config.text(.amqpExchange)
        deadLetterExchange = config.text(.amqpDeadLetterExchange)
        deliveryLimit = try config.int(.amqpDeliveryLimit, in: Self.deliveryLimits)
        databasePath = config.text(.databasePath(serviceName: serviceName))
        batchSize = try config.int(.batchSize, in: 1...5000)
        maximumBankFileBytes = try config.int(.maximumBankFileBytes, in: 1024...(512 * 1024 * 1024))
        // The broker's own limit (max_message_size, 128 MiB by default in RabbitMQ 3.x, 16 MiB in 4.x) is the ceiling.
        maximumMessageBytes = try config.int(.maximumMessageBytes, in: 1024...(512 * 1024 * 1024))
        shutdownGrace = try config.duration(.shutdownGrace, in: .seconds(1) ... .seconds(600))
        // A deduplication window under an hour is only for runs that want to watch the sweeper work (the soak):
        // in production a redelivery can come hours later (docs/retention.md).
        let deploymentEnvironment = try config.choice(.environment, as: DeploymentEnvironment.self)
        inboxRetention = try config.duration(
            .inboxRetention,
            in: .seconds(deploymentEnvironment == .production ? 3600 : 60) ... .seconds(DurationText.maximumSeconds)
        )
        outboxRetention = try config.duration(
            .outboxRetention,
            in: .seconds(60) ... .seconds(DurationText.maximumSeconds)
        )
        retryPolicy = try config.parsed(.retryDelays, expected: "a list like 1s,10s,60s, each at most 49d") {
            RetryPolicy(parsing: $0)
        }
        httpHost = config.text(.httpHost)
        httpPort = try config.int(.httpPort(defaultHTTPPort), in: 0...65535)
        apiToken = try APIToken.read(config)
        logLevel = try config.choice(.logLevel)
        logFormat = try config.choice(.logFormat)
        otlpEndpoint = try config.optionalText(.otlpEndpoint).map { text throws(InvalidSetting) in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased()), url.host != nil
            else {
                throw config.invalid(
                    .otlpEndpoint,
                    expected: "an http:// or https:// URL",
                    value: config.lookup(.otlpEndpoint)
                )
            }
            return url
        }
        otlpProtocol = try config.choice(.otlpProtocol)
        environment = deploymentEnvironment
        clockControl = try config.isOn(.clockControl)
        declarePeers = try config.isOn(.declarePeers)
        let offset = config.lookup(.clockOffset)
        if offset == nil || offset?.text == "0s" || offset?.text == "0" {
            clockOffset = .zero
        } else {
            clockOffset = try config.duration(.clockOffset, in: .seconds(1) ... .seconds(DurationText.maximumSeconds))
            guard clockControl else {
                throw InvalidSetting(variable: Setting.clockOffset.variable, problem: "needs CLOCK_CONTROL=on")
            }
        }
        try checkClockControl()
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

    /// A service process in production needs `API_TOKEN`: its read API serves names, addresses and identity numbers,
    /// and an unset secret must not leave them open by accident. Checked by the host when a process starts (a test
    /// that builds a service in process reads its own settings).
    public func checkReadAPIProtected() throws(InvalidSetting) {
        if apiToken == nil && environment == .production {
            throw InvalidSetting(
                variable: Setting.apiToken.variable,
                problem:
                    "required in production: the read API serves personal data; give it as a secret (API_TOKEN_FILE "
                    + "or the secrets directory), or run outside production with KVITT_ENVIRONMENT=development"
            )
        }
    }

    /// Every setting every service reads, with its default for this service, in the order `--help` lists them.
    public static func documented(serviceName: String, defaultHTTPPort: Int) -> [Setting] {
        [
            .configFile, .secretsDirectory, .amqpURL, .amqpPassword, .amqpCACertificate, .amqpClientCertificate,
            .amqpClientKey, .amqpPrefetch, .amqpPublishWindow, .amqpExchange, .amqpDeadLetterExchange,
            .amqpDeliveryLimit, .databasePath(serviceName: serviceName), .batchSize, .maximumMessageBytes,
            .maximumBankFileBytes, .shutdownGrace, .inboxRetention, .outboxRetention, .retryDelays, .httpHost,
            .httpPort(defaultHTTPPort), .apiToken, .logLevel, .logFormat, .otlpEndpoint, .otlpProtocol,
            .serviceName(serviceName), .environment,
            .clockControl, .clockOffset, .declarePeers, Heap.Tuning.setting,
        ]
    }

    /// Reads settings from a dictionary of environment variables alone (tests, and services built in code).
    public init(serviceName: String, defaultHTTPPort: Int, environment: [String: String]) throws(InvalidSetting) {
        try self.init(
            serviceName: serviceName,
            defaultHTTPPort: defaultHTTPPort,
            configuration: KvittConfiguration(environment: environment)
        )
    }
}

extension ServiceSettings {
    /// The broker from `AMQP_URL`, with `AMQP_PASSWORD` in place of its password when that is set.
    /// - Throws: ``InvalidSetting`` naming `AMQP_URL` and what is wrong with it, never its password.
    public static func amqpURL(_ configuration: KvittConfiguration) throws(InvalidSetting) -> AMQPURL {
        let given = configuration.lookup(.amqpURL)
        var url: AMQPURL
        do {
            url = try AMQPURL(parsing: given?.text ?? Setting.amqpURL.defaultValue)
        } catch {
            // The parser's reasons name the part that is wrong and never echo a password.
            throw configuration.invalid(.amqpURL, expected: "an amqp:// or amqps:// URL (\(error))", value: given)
        }
        if let password = configuration.lookup(.amqpPassword)?.text { url.password = password }
        return url
    }

    /// The options of a broker connection, with this service's TLS files (never the process environment's).
    public func amqpOptions(connectionName: String) -> AMQPSession.Options {
        AMQPSession.Options(
            connectionName: connectionName,
            caCertificatePath: amqpCACertificate,
            clientCertificatePath: amqpClientCertificate,
            clientKeyPath: amqpClientKey
        )
    }
}
