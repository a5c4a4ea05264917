/// One setting of a Kvitt executable, defined once: its name, its default written as it would be set, what it does,
/// and whether its value is secret. Reading (``KvittConfiguration``), `--help` and `docs/configuration.md` all come
/// from these definitions, so a default is written in one place only.
///
/// The name is the same in every source: the environment variable, the key in the `KVITT_CONFIG_FILE` JSON file,
/// the file name in the secrets directory, and, for a secret, the stem of its `<NAME>_FILE` variable.
public struct Setting: Sendable, Hashable {
    /// The variable, e.g. `AMQP_URL`.
    public let variable: String
    /// The default as a value of the variable; empty when there is none.
    public let defaultValue: String
    /// What the setting does, one line.
    public let meaning: String
    /// A secret's value is never written to a log or an error, and may be given as a file (`<NAME>_FILE`).
    public let isSecret: Bool

    /// Defines a setting.
    public init(_ variable: String, _ defaultValue: String, _ meaning: String, isSecret: Bool = false) {
        self.variable = variable
        self.defaultValue = defaultValue
        self.meaning = meaning
        self.isSecret = isSecret
    }
}

extension Setting {
    // Where the settings come from: read from the environment only, before anything else.

    /// A JSON file of settings, read after the environment.
    public static let configFile = Setting(
        "KVITT_CONFIG_FILE",
        "",
        "a JSON object of settings ({\"LOG_LEVEL\": \"debug\"}), read after the environment (environment only)"
    )
    /// The directory of secret files (Docker secrets), read after the configuration file.
    public static let secretsDirectory = Setting(
        "KVITT_SECRETS_DIR",
        "/run/secrets",
        "a file named after a setting here gives its value, after the file (environment only)"
    )

    // The broker, for services and the CLI alike.

    public static let amqpURL = Setting(
        "AMQP_URL",
        "amqp://guest:guest@127.0.0.1:5672/",
        "broker (amqps:// for TLS 1.2+ with peer verification)",
        isSecret: true
    )
    public static let amqpPassword = Setting(
        "AMQP_PASSWORD",
        "",
        "replaces the password in AMQP_URL, so that the URL can be given without it",
        isSecret: true
    )
    public static let amqpCACertificate = Setting(
        "AMQP_CA_CERT",
        "",
        "with amqps://: the CA certificates (PEM file) the broker's certificate is checked against"
    )
    public static let amqpClientCertificate = Setting(
        "AMQP_CLIENT_CERT",
        "",
        "with amqps://: the client certificate (PEM file) for mutual TLS; needs AMQP_CLIENT_KEY"
    )
    public static let amqpClientKey = Setting(
        "AMQP_CLIENT_KEY",
        "",
        "with amqps://: the client certificate's private key (PEM file); needs AMQP_CLIENT_CERT"
    )
    public static let amqpExchange = Setting("AMQP_EXCHANGE", "kvitt", "the topic exchange for all messages")
    public static let amqpDeadLetterExchange = Setting(
        "AMQP_DEAD_LETTER_EXCHANGE",
        "kvitt.dead-letter",
        "where failed messages are parked"
    )
    public static let amqpDeliveryLimit = Setting(
        "AMQP_DELIVERY_LIMIT",
        "20",
        "redeliveries before the broker parks a crash-looping message (2-1000)"
    )
    public static let retryDelays = Setting(
        "RETRY_DELAYS",
        "1s,10s,60s",
        "wait before each retry of a transient failure (ms, s, m, h, d; at most 49 days)"
    )

    // Every service.

    public static let amqpPrefetch = Setting(
        "AMQP_PREFETCH",
        "200",
        "unacknowledged deliveries the consumer may hold (1-2000)"
    )
    public static let amqpPublishWindow = Setting(
        "AMQP_PUBLISH_WINDOW",
        "1000",
        "unconfirmed publishes in flight (1-100000)"
    )
    public static let batchSize = Setting("BATCH_SIZE", "100", "deliveries per SQLite transaction (1-5000)")
    public static let maximumMessageBytes = Setting(
        "MAX_MESSAGE_BYTES",
        "\(MessageProcessor.defaultMaximumMessageBytes)",
        "larger bodies are parked as too-large before decoding"
    )
    public static let maximumBankFileBytes = Setting(
        "MAX_BANK_FILE_BYTES",
        "\(ServiceSettings.defaultMaximumBankFileBytes)",
        "payment-matching: a larger BgMax file is parked as too-large unparsed"
    )
    public static let shutdownGrace = Setting(
        "SHUTDOWN_GRACE",
        "10s",
        "after SIGTERM the process exits within this long, whatever the broker does (1s-10m)"
    )
    public static let inboxRetention = Setting(
        "INBOX_RETENTION",
        "14d",
        "processed message ids are remembered this long (the deduplication window; at least 1h, 1m outside production)"
    )
    public static let outboxRetention = Setting(
        "OUTBOX_RETENTION",
        "7d",
        "published events are kept this long after their confirm (at least 1m)"
    )
    public static let httpHost = Setting("HTTP_HOST", "127.0.0.1", "health, metrics and read API address")
    public static let apiToken = Setting(
        "API_TOKEN",
        "",
        "every HTTP route but /health/live, /health/ready and /metrics needs Authorization: Bearer <token> (at least "
            + "\(APIToken.minimumLength) characters); required in production, unset elsewhere leaves the read API open",
        isSecret: true
    )
    public static let logLevel = Setting(
        "LOG_LEVEL",
        "info",
        "trace, debug, info, notice, warning, error, critical"
    )
    public static let otlpEndpoint = Setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "",
        "an OpenTelemetry collector (http:// or https://); spans go to <endpoint>/v1/traces over OTLP/HTTP; unset "
            + "keeps tracing in the messages and logs (traceparent, trace_id) and exports nothing"
    )
    public static let otlpProtocol = Setting(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "http/protobuf",
        "http/protobuf or http/json, how spans are sent to OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    public static let logFormat = Setting(
        "LOG_FORMAT",
        "text",
        "text or json (one JSON object per line); both mask identity numbers"
    )
    public static let environment = Setting(
        "KVITT_ENVIRONMENT",
        "production",
        "production, or development/test/demo, which may enable clock control"
    )
    public static let clockControl = Setting(
        "CLOCK_CONTROL",
        "off",
        "on adds GET/POST /v1/clock to move the business clock (refused in production)"
    )
    public static let clockOffset = Setting(
        "CLOCK_OFFSET",
        "0s",
        "start the business clock this far ahead (30d, 12h); needs CLOCK_CONTROL=on"
    )
    public static let declarePeers = Setting(
        "KVITT_DECLARE_PEERS",
        "on",
        "on declares the other services' queues too, so that start order does not matter"
    )

    /// `DATABASE_PATH`, whose default is named after the service.
    public static func databasePath(serviceName: String) -> Setting {
        Setting("DATABASE_PATH", "./\(serviceName).sqlite", "the service's SQLite file")
    }

    /// `HTTP_PORT`, whose default is the service's own.
    public static func httpPort(_ port: Int) -> Setting {
        Setting("HTTP_PORT", "\(port)", "its port (0 picks a free one)")
    }

    /// `SERVICE_NAME`, whose default is the service's own name.
    public static func serviceName(_ name: String) -> Setting {
        Setting("SERVICE_NAME", name, "renames its queues and default database, e.g. a partition payment-matching.p3")
    }
}
