import Foundation
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection
@testable import Delivery
@testable import Invoicing
@testable import Kvitt
@testable import PaymentMatching
@testable import TaxReduction

/// `docs/configuration.md` lists every setting of every executable, generated from the same definitions as `--help`;
/// the CLI takes its settings from the same sources as the services, and never a password on its command line.
@Suite("One configuration: the document and the CLI")
struct ConfigurationDocumentTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")
    static let begin = "<!-- settings: generated from the definitions by ConfigurationDocumentTests; do not edit -->"
    static let end = "<!-- settings: end -->"

    /// Every executable and every setting it reads (its `--help` list).
    static var executables: [(name: String, settings: [Setting])] {
        [
            ("invoicing", ServiceCommandLine.settings(of: InvoicingService.definition)),
            ("payment-matching", ServiceCommandLine.settings(of: PaymentMatchingService.definition)),
            ("debt-collection", ServiceCommandLine.settings(of: DebtCollectionService.definition())),
            ("tax-reduction", ServiceCommandLine.settings(of: TaxReductionService.definition)),
            (
                "delivery",
                ServiceSettings.documented(
                    serviceName: DeliveryService.name,
                    defaultHTTPPort: DeliveryService.defaultHTTPPort
                ) + DeliverySettings.all
            ),
            ("kvitt", CLISettings.all),
        ]
    }

    /// The generated part of the document: the settings every service shares, each service's own, the CLI's.
    static var generated: String {
        let common = ServiceSettings.documented(serviceName: "SERVICE", defaultHTTPPort: 0)
        let commonNames = Set(common.map(\.variable))
        var sections = [
            "### Every service\n\n"
                + ServiceCommandLine.markdownTable(
                    common,
                    shownDefaults: [
                        "DATABASE_PATH": "./<service>.sqlite", "SERVICE_NAME": "<service>",
                        "HTTP_PORT":
                            "8081 invoicing, 8082 payment-matching, 8083 debt-collection, 8084 tax-reduction, 8085 delivery",
                    ]
                )
        ]
        for (name, settings) in executables {
            let own = settings.filter { !commonNames.contains($0.variable) }
            guard !own.isEmpty else { continue }
            let shared = settings.filter { commonNames.contains($0.variable) }.map { "`\($0.variable)`" }
            let title =
                name == "kvitt"
                ? "The `kvitt` CLI\n\nBesides these, `kvitt` reads \(shared.joined(separator: ", ")) as above."
                : "`\(name)`"
            sections.append("### \(title)\n\n" + ServiceCommandLine.markdownTable(own))
        }
        return sections.joined(separator: "\n\n")
    }

    @Test func theDocumentListsEverySettingAsTheDefinitionsSay() async throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        let expected = "\(Self.begin)\n\n\(Self.generated)\n\n\(Self.end)"
        if ProcessInfo.processInfo.environment["KVITT_UPDATE_CONFIGURATION_DOC"] == "1",
            let start = text.range(of: Self.begin), let stop = text.range(of: Self.end)
        {
            try (String(text[..<start.lowerBound]) + expected + String(text[stop.upperBound...]))
                .write(to: Self.document, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            text.contains(expected),
            "docs/configuration.md is behind the definitions: run this test with KVITT_UPDATE_CONFIGURATION_DOC=1"
        )
        for (name, settings) in Self.executables {
            for setting in settings {
                #expect(text.contains("| `\(setting.variable)` |"), "\(name): \(setting.variable) is documented")
            }
        }
    }

    @Test func everyExecutableHelpListsWhatTheDocumentLists() async throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        for (name, settings) in Self.executables {
            let help = try await CommandRun.built(name, ["--help"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(help.status == 0, "\(name): \(help.errors)")
            for setting in settings {
                #expect(help.output.contains(setting.variable), "\(name) --help lists \(setting.variable)")
                #expect(text.contains("`\(setting.variable)`"), "\(setting.variable) in docs/configuration.md")
            }
            #expect(help.output.contains("(secret)"), "\(name) marks its secrets")
        }
    }

    @Test func aServicesOwnSettingsComeFromEverySourceAndAreNamedWhenBad() async throws {
        let configuration = KvittConfiguration(
            environment: ["SMTP_HOST": "mail.example"],
            file: ["SMTP_PORT": "2525", "REFERENCE_RATES": "2026-07-01:250"],
            secrets: ["COLLECTOR_NAME": "Inkasso AB", "SMTP_PORT": "25"]
        )
        let delivery = try DeliverySettings(configuration: configuration)
        #expect(delivery.smtp?.host == "mail.example" && delivery.smtp?.port == 2525, "the file over the secret")
        #expect(delivery.collector.name == "Inkasso AB" && delivery.collector.contact == "the creditor")
        #expect(delivery.retryDelays == DeliverySettings.defaultRetryDelays)
        let rates = try DebtCollectionService.rates(configuration: configuration)
        #expect(rates.entries.contains { $0.basisPoints == 250 })
        #expect {
            try DeliverySettings(configuration: KvittConfiguration(environment: ["SMTP_HOST": "m", "SMTP_PORT": "x"]))
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == "SMTP_PORT"
        }
        #expect {
            _ = try PaymentMatchingService.definition.ownSettings.first.map {
                try KvittConfiguration(environment: [$0.variable: "yes"]).isTrue($0)
            }
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == "ALLOW_TEST_BANK_FILES"
        }
    }

    @Test(arguments: [
        "amqp://guest:hunter2@127.0.0.1:1/", "amqps://user:hunter2@broker/kvitt", "amqp://user:@broker",
    ])
    func aPasswordOnTheCommandLineIsRefused(url: String) async throws {
        #expect(BrokerOptions.carriesPassword(url))
        let refused = try await CommandRun.built("kvitt", ["dead-letters", "list", "--url", url, "--timeout", "1"])
        #expect(refused.status == 2, "\(refused.errors)")
        #expect(refused.errors.contains("AMQP_PASSWORD_FILE") && refused.errors.contains("AMQP_URL"))
        #expect(!refused.errors.contains("hunter2"), "the password is not echoed")
    }

    @Test func aURLWithoutAPasswordIsNotRefused() {
        #expect(!BrokerOptions.carriesPassword("amqp://kvitt-operator@broker:5672/kvitt"))
        #expect(!BrokerOptions.carriesPassword("amqp://broker:5672/a:b@c"), "a colon in the vhost is no password")
        #expect(!BrokerOptions.carriesPassword("amqp://127.0.0.1:5672/"))
    }

    @Test func theCLIReadsTheBrokerFromTheSecretsDirectoryAndRefusesABadFile() async throws {
        let folder = try TestBroker.temporaryDirectory()
        // A broker nobody listens on, from a Docker-style secret: the error names where it tried.
        try Data("amqp://operator:hunter2@127.0.0.1:1/\n".utf8).write(to: folder.appendingPathComponent("AMQP_URL"))
        let fromSecret = try await CommandRun.built(
            "kvitt",
            ["dead-letters", "list", "--timeout", "1"],
            environment: ["KVITT_SECRETS_DIR": folder.path]
        )
        #expect(fromSecret.status == 2)
        #expect(
            fromSecret.errors.contains("cannot reach the broker at amqp://operator:***@127.0.0.1:1/"),
            "\(fromSecret.errors)"
        )
        #expect(!fromSecret.errors.contains("hunter2"))

        let file = folder.appendingPathComponent("kvitt.json")
        try Data("{\"AMQP_EXCHANGE\": [\"kvitt\"]}".utf8).write(to: file)
        let badFile = try await CommandRun.built(
            "kvitt",
            ["dead-letters", "list", "--timeout", "1"],
            environment: ["KVITT_CONFIG_FILE": file.path, "KVITT_SECRETS_DIR": folder.path]
        )
        #expect(badFile.status == 2)
        #expect(badFile.errors.contains("KVITT_CONFIG_FILE") && badFile.errors.contains(file.path), "\(badFile.errors)")
    }

    @Test func aBadCLISettingIsRefusedByName() async throws {
        let refused = try await CommandRun.built(
            "kvitt",
            ["topology", "declare", "--timeout", "1"],
            environment: ["AMQP_DELIVERY_LIMIT": "many", "KVITT_SECRETS_DIR": try TestBroker.temporaryDirectory().path]
        )
        #expect(refused.status == 2)
        #expect(
            refused.errors.contains("AMQP_DELIVERY_LIMIT") && refused.errors.contains("'many'"),
            "\(refused.errors)"
        )
    }
}
