import Foundation
import KvittAMQP
import KvittMessaging
import KvittTesting
import Testing

/// One configuration for every executable (``KvittConfiguration``): the environment wins over the configuration file,
/// which wins over secret files, which win over the defaults; files are parsed strictly and secrets never echoed.
@Suite("Configuration sources, their order and strict parsing")
struct ConfigurationSourcesTests {
    static func settings(
        _ configuration: KvittConfiguration
    ) throws(ServiceSettings.InvalidSetting) -> ServiceSettings {
        try ServiceSettings(serviceName: "invoicing", defaultHTTPPort: 8081, configuration: configuration)
    }

    static let every = ServiceSettings.documented(serviceName: "invoicing", defaultHTTPPort: 8081)

    // MARK: Order, with in-memory sources

    @Test func theEnvironmentWinsOverTheFileWhichWinsOverSecretsWhichWinOverTheDefault() throws {
        let configuration = KvittConfiguration(
            environment: ["LOG_LEVEL": "debug"],
            file: ["LOG_LEVEL": "error", "BATCH_SIZE": "7"],
            filePath: "/etc/kvitt.json",
            secrets: ["LOG_LEVEL": "critical", "BATCH_SIZE": "8", "AMQP_PREFETCH": "9"],
            secretPaths: [
                "LOG_LEVEL": "/s/LOG_LEVEL", "BATCH_SIZE": "/s/BATCH_SIZE", "AMQP_PREFETCH": "/s/AMQP_PREFETCH",
            ]
        )
        #expect(configuration.lookup(.logLevel) == .init(text: "debug", source: .environment))
        #expect(configuration.lookup(.batchSize) == .init(text: "7", source: .file("/etc/kvitt.json")))
        #expect(configuration.lookup(.amqpPrefetch) == .init(text: "9", source: .secretFile("/s/AMQP_PREFETCH")))
        #expect(configuration.lookup(.amqpPublishWindow) == nil)
        let settings = try Self.settings(configuration)
        #expect(settings.logLevel == .debug, "environment over file and secret")
        #expect(settings.batchSize == 7, "file over secret")
        #expect(settings.prefetch == 9, "secret over default")
        #expect(settings.publishWindow == 1000, "the default when no source has it")
    }

    @Test func anEmptyVariableCountsAsUnsetSoTheNextSourceSpeaks() throws {
        let configuration = KvittConfiguration(environment: ["LOG_LEVEL": "  "], file: ["LOG_LEVEL": "warning"])
        #expect(try Self.settings(configuration).logLevel == .warning)
    }

    @Test func theSourceSettingsAreReadFromTheEnvironmentOnly() {
        let configuration = KvittConfiguration(
            environment: [:],
            file: ["KVITT_SECRETS_DIR": "/elsewhere"],
            secrets: ["KVITT_CONFIG_FILE": "/x.json"]
        )
        #expect(configuration.lookup(.secretsDirectory) == nil && configuration.lookup(.configFile) == nil)
    }

    @Test func thePasswordSettingReplacesTheURLsPassword() throws {
        let configuration = KvittConfiguration(
            environment: ["AMQP_URL": "amqp://kvitt-invoicing@broker:5672/kvitt"],
            secrets: ["AMQP_PASSWORD": "s3cret"]
        )
        let url = try Self.settings(configuration).amqpURL
        #expect(url == AMQPURL(host: "broker", user: "kvitt-invoicing", password: "s3cret", vhost: "kvitt"))
    }

    // MARK: Strict values, secrets never echoed

    @Test func aBadValueNamesTheSettingAndItsSourceWithoutEchoingASecret() {
        func failure(_ configuration: KvittConfiguration) -> ServiceSettings.InvalidSetting? {
            do {
                _ = try Self.settings(configuration)
                return nil
            } catch {
                return error
            }
        }
        let fromFile = failure(KvittConfiguration(environment: [:], file: ["BATCH_SIZE": "lots"], filePath: "/k.json"))
        #expect(fromFile?.variable == "BATCH_SIZE")
        #expect(fromFile?.problem.contains("'lots'") == true && fromFile?.problem.contains("/k.json") == true)

        let secretURL = failure(KvittConfiguration(environment: ["AMQP_URL": "http://user:hunter2@broker/"]))
        #expect(secretURL?.variable == "AMQP_URL")
        #expect(secretURL.map { !"\($0)".contains("hunter2") } == true, "\(String(describing: secretURL))")

        let inASecretFile = failure(
            KvittConfiguration(
                environment: [:],
                secrets: ["AMQP_PREFETCH": "hunter2"],
                secretPaths: ["AMQP_PREFETCH": "/run/secrets/AMQP_PREFETCH"]
            )
        )
        #expect(inASecretFile?.variable == "AMQP_PREFETCH")
        #expect(inASecretFile.map { !"\($0)".contains("hunter2") } == true, "a secret file's value is never shown")
        #expect(inASecretFile?.problem.contains("/run/secrets/AMQP_PREFETCH") == true)
    }

    @Test func tlsFilesMustBeReadableAndTheClientPairComplete() throws {
        let folder = try TestBroker.temporaryDirectory()
        let ca = folder.appendingPathComponent("ca.pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: ca)
        let missing = folder.appendingPathComponent("missing.pem").path
        #expect(throws: ServiceSettings.InvalidSetting.self) {
            try Self.settings(KvittConfiguration(environment: ["AMQP_CA_CERT": missing]))
        }
        #expect {
            try Self.settings(KvittConfiguration(environment: ["AMQP_CLIENT_CERT": ca.path]))
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == "AMQP_CLIENT_KEY"
        }
        let settings = try Self.settings(
            KvittConfiguration(
                environment: ["AMQP_CA_CERT": ca.path, "AMQP_CLIENT_CERT": ca.path, "AMQP_CLIENT_KEY": ca.path]
            )
        )
        let options = settings.amqpOptions(connectionName: "invoicing-publisher")
        #expect(options.caCertificatePath == ca.path && options.clientCertificatePath == ca.path)
        #expect(options.clientKeyPath == ca.path)
        let plain = try Self.settings(KvittConfiguration(environment: [:])).amqpOptions(connectionName: "x")
        #expect(plain.caCertificatePath == nil, "nothing from the process environment behind the settings' back")
    }

    // MARK: Files, through load()

    @Test func loadReadsTheFileAndTheSecretsWithTheEnvironmentFirst() throws {
        let folder = try TestBroker.temporaryDirectory()
        let file = folder.appendingPathComponent("kvitt.json")
        try Data(
            #"{"LOG_LEVEL": "error", "BATCH_SIZE": 7, "HTTP_HOST": "0.0.0.0", "OTHER_SERVICE_SETTING": true}"#.utf8
        )
        .write(to: file)
        let secrets = folder.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Data("amqp://svc@broker:5672/\n".utf8).write(to: secrets.appendingPathComponent("AMQP_URL"))
        try Data("pa ss\r\n".utf8).write(to: secrets.appendingPathComponent("amqp_password"))
        try Data("critical\n".utf8).write(to: secrets.appendingPathComponent("LOG_LEVEL"))
        try Data("12\n".utf8).write(to: secrets.appendingPathComponent("BATCH_SIZE"))
        try Data("not for us".utf8).write(to: secrets.appendingPathComponent("db_password"))
        let configuration = try KvittConfiguration.load(
            settings: Self.every,
            environment: [
                "KVITT_CONFIG_FILE": file.path, "KVITT_SECRETS_DIR": secrets.path, "HTTP_HOST": "10.0.0.1",
            ]
        )
        let settings = try Self.settings(configuration)
        #expect(settings.httpHost == "10.0.0.1", "environment over file")
        #expect(settings.logLevel == .error && settings.batchSize == 7, "file over secrets; a number is its text")
        #expect(
            settings.amqpURL == AMQPURL(host: "broker", user: "svc", password: "pa ss"),
            "secret files by either spelling, the trailing newline trimmed"
        )
    }

    @Test func aNameFileVariableGivesASecretAndWinsOverTheDirectory() throws {
        let folder = try TestBroker.temporaryDirectory()
        let password = folder.appendingPathComponent("password")
        try Data("from-variable\n".utf8).write(to: password)
        try Data("from-directory\n".utf8).write(to: folder.appendingPathComponent("AMQP_PASSWORD"))
        let configuration = try KvittConfiguration.load(
            settings: Self.every,
            environment: ["AMQP_PASSWORD_FILE": password.path, "KVITT_SECRETS_DIR": folder.path]
        )
        #expect(configuration.lookup(.amqpPassword) == .init(text: "from-variable", source: .secretFile(password.path)))
        // Only secrets take a _FILE variable: LOG_LEVEL_FILE means nothing.
        let plain = try KvittConfiguration.load(
            settings: Self.every,
            environment: [
                "LOG_LEVEL_FILE": password.path, "KVITT_SECRETS_DIR": try TestBroker.temporaryDirectory().path,
            ]
        )
        #expect(plain.lookup(.logLevel) == nil)
    }

    @Test func anUnreadableSecretOrAMissingSecretsDirectoryIsRefusedByName() throws {
        let folder = try TestBroker.temporaryDirectory()
        #expect {
            _ = try KvittConfiguration.load(
                settings: Self.every,
                environment: ["AMQP_URL_FILE": folder.appendingPathComponent("none").path]
            )
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == "AMQP_URL_FILE"
        }
        #expect {
            _ = try KvittConfiguration.load(
                settings: Self.every,
                environment: ["KVITT_SECRETS_DIR": folder.appendingPathComponent("none").path]
            )
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == "KVITT_SECRETS_DIR"
        }
    }

    @Test(arguments: [
        ("{\"LOG_LEVEL\": ", "not valid JSON"),
        ("[\"LOG_LEVEL\"]", "expected one JSON object"),
        ("{\"LOG_LEVEL\": {\"value\": \"debug\"}}", "LOG_LEVEL"),
        ("{\"LOG_LEVEL\": null}", "LOG_LEVEL"),
        ("{\"log.level\": \"debug\"}", "'log.level' is not a setting"),
        ("{\"KVITT_SECRETS_DIR\": \"/tmp\"}", "environment only"),
        ("{\"KVITT_MALLOC\": \"glibc\"}", "environment only"),
    ])
    func aMalformedFileIsRefusedNamingTheFileAndTheProblem(contents: String, problem: String) throws {
        let file = try TestBroker.temporaryDirectory().appendingPathComponent("broken.json")
        try Data(contents.utf8).write(to: file)
        #expect {
            _ = try KvittConfiguration.load(settings: Self.every, environment: ["KVITT_CONFIG_FILE": file.path])
        } throws: { error in
            guard let invalid = error as? ServiceSettings.InvalidSetting else { return false }
            return invalid.variable == "KVITT_CONFIG_FILE" && invalid.problem.contains(file.path)
                && invalid.problem.contains(problem)
        }
    }

    /// A file an editor saved in Latin-1, and a setting written twice (which of the two would win is the JSON
    /// parser's whim): both refused, naming the file.
    @Test(arguments: [
        Data([0x7B, 0x22, 0x4C, 0x4F, 0x47, 0x5F, 0x4C, 0x45, 0x56, 0x45, 0x4C, 0x22, 0x3A, 0x22, 0xE9, 0x22, 0x7D]),
        Data(#"{"LOG_LEVEL": "debug", "LOG_LEVEL": "error"}"#.utf8),
    ])
    func aFileNotInUTF8OrWithASettingTwiceIsRefused(contents: Data) throws {
        #expect {
            _ = try KvittConfiguration.parseConfigFile(contents, path: "/etc/kvitt.json")
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.problem.contains("/etc/kvitt.json") == true
        }
    }

    @Test func aMissingFileIsRefused() throws {
        let path = try TestBroker.temporaryDirectory().appendingPathComponent("absent.json").path
        #expect {
            _ = try KvittConfiguration.load(settings: Self.every, environment: ["KVITT_CONFIG_FILE": path])
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.problem.contains(path) == true
        }
    }

    // MARK: --help from the same definitions

    @Test func helpListsEverySettingWithItsDefaultAndMarksSecrets() {
        let definition = ServiceDefinition(
            name: "invoicing",
            defaultHTTPPort: 8081,
            handlers: { _, _ in },
            ownSettings: [.init("OWN_TOKEN", "", "a service's own secret", isSecret: true)]
        )
        let help = ServiceCommandLine.help(for: definition, executable: "invoicing")
        let lines = help.split(separator: "\n")
        for setting in ServiceCommandLine.settings(of: definition) {
            let line = lines.first { $0.hasPrefix("  \(setting.variable) ") }
            #expect(line != nil, "\(setting.variable) is listed")
            let shown = setting.defaultValue.isEmpty ? "-" : setting.defaultValue
            #expect(line?.contains(" \(shown) ") == true, "\(setting.variable) shows its default")
            #expect(line?.contains("(secret)") == setting.isSecret, "\(setting.variable)")
        }
        #expect(lines.contains { $0.hasPrefix("  OWN_TOKEN ") && $0.contains("(secret)") })
        #expect(help.contains("KVITT_CONFIG_FILE") && help.contains("docs/configuration.md"))
    }
}
