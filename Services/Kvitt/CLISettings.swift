import Foundation
import KvittMessaging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The settings `kvitt` reads, from the same sources as the services (``KvittConfiguration``: the environment,
/// `KVITT_CONFIG_FILE`, secret files, defaults). A command-line option, where there is one, wins over its setting.
enum CLISettings {
    /// Every setting, in the order `kvitt --help` lists them.
    static let all: [Setting] = [
        .configFile, .secretsDirectory, .amqpURL, .amqpPassword, .amqpCACertificate, .amqpClientCertificate,
        .amqpClientKey, .amqpExchange, .amqpDeadLetterExchange, .amqpDeliveryLimit, .retryDelays, .invoicingURL,
        .debtCollectionURL, .serviceURLs, .cliAPIToken, .auditPath, .operatorName,
    ]

    /// The configuration, read once, when a command first needs a setting.
    private static let loaded = Result { () throws(ServiceSettings.InvalidSetting) in
        try KvittConfiguration.load(settings: all)
    }

    /// The configuration; a file or secret that cannot be read is an error naming it (exit 2).
    static func configuration() throws(ServiceSettings.InvalidSetting) -> KvittConfiguration {
        try loaded.get()
    }

    /// The retry policy: `--retry-delays` when given, else `RETRY_DELAYS`.
    static func retryPolicy(_ option: String?) throws -> RetryPolicy {
        guard let option else {
            return try configuration().parsed(.retryDelays, expected: "a list like 1s,10s,60s, each at most 49d") {
                RetryPolicy(parsing: $0)
            }
        }
        guard let policy = RetryPolicy(parsing: option) else {
            throw CLIError("--retry-delays is not a list like 1s,10s")
        }
        return policy
    }

    /// Adds `Authorization: Bearer <KVITT_API_TOKEN>` to a request to a service when the token is set; the services
    /// with `API_TOKEN` answer 401 without it.
    static func authorize(_ request: inout URLRequest) throws {
        guard let token = try configuration().lookup(.cliAPIToken)?.text else { return }
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    }

    /// The part of `kvitt --help` after the commands: where settings come from and every setting with its default.
    static var help: String {
        """
        \(KvittConfiguration.sourcesSummary)

        Settings (name=default, then meaning):
        \(ServiceCommandLine.settingsList(all))
        """
    }
}

extension Setting {
    static let invoicingURL = Setting(
        "KVITT_INVOICING_URL",
        "http://127.0.0.1:8081",
        "invoicing's HTTP base URL (kvitt prices; --invoicing-url)"
    )
    static let debtCollectionURL = Setting(
        "KVITT_DEBT_COLLECTION_URL",
        "http://127.0.0.1:8083",
        "debt-collection's HTTP base URL (kvitt status; --debt-collection-url)"
    )
    static let serviceURLs = Setting(
        "KVITT_SERVICE_URLS",
        (8081...8085).map { "http://127.0.0.1:\($0)" }.joined(separator: ", "),
        "the services' HTTP base URLs, separated by commas (kvitt clock; --service)"
    )
    /// The CLI's name for the services' `API_TOKEN`.
    static let cliAPIToken = Setting(
        "KVITT_API_TOKEN",
        "",
        "the services' API_TOKEN, sent as Authorization: Bearer by kvitt prices, status and clock",
        isSecret: true
    )
    static let auditPath = Setting(
        "KVITT_AUDIT_PATH",
        "./kvitt-audit.sqlite",
        "the replay ledger that kvitt dead-letters replay writes and history reads"
    )
    static let operatorName = Setting(
        "KVITT_OPERATOR",
        "",
        "who the replay ledger records (without it, the login name in USER)"
    )
}
