import Foundation
import KvittMessaging
import KvittTesting
import Testing

/// Every Kvitt executable answers `--help` and `--version` without starting anything, and refuses an argument it
/// does not know with exit status 2: the built executables, run as an operator runs them.
@Suite("--help, --version and unknown arguments on every executable")
struct ServiceCommandLineTests {
    /// The service executables and their default HTTP ports.
    static let services = [
        ("invoicing", 8081), ("payment-matching", 8082), ("debt-collection", 8083), ("tax-reduction", 8084),
        ("delivery", 8085), ("kvitt-probe-service", 0),
    ]

    /// Runs a built executable (``ExecutableRun``); one still running after 20 s started instead of answering.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ExecutableRun {
        let run = try await ExecutableRun.run(executable, arguments, environment: environment)
        if run.timedOut {
            Issue.record("\(executable) \(arguments) was still running after 20 s: it started instead of answering")
        }
        return run
    }

    @Test(arguments: services)
    func aServiceAnswersHelpAndVersionWithoutStartingAndRefusesOtherArguments(name: String, port: Int) async throws {
        let folder = try TestBroker.temporaryDirectory()
        let database = folder.appendingPathComponent("never.sqlite")
        // Settings that would start a service (a database to create, a broker nobody listens on).
        let environment = [
            "DATABASE_PATH": database.path, "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/", "HTTP_PORT": "0",
            "PRINT_DIRECTORY": folder.appendingPathComponent("print").path,
            "PEPPOL_DIRECTORY": folder.appendingPathComponent("peppol").path,
        ]
        let help = try await Self.run(name, ["--help"], environment: environment)
        #expect(help.status == 0, "\(name): \(help.errors)")
        #expect(help.output.contains("Usage: \(name) [--help | --version]"), "\(help.output)")
        let rows = help.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        func defaultShown(_ variable: String) -> String? {
            rows.first { $0.first.map(String.init) == variable }.flatMap { $0.dropFirst().first.map(String.init) }
        }
        #expect(defaultShown("HTTP_PORT") == "\(port)", "\(name): its own default port")
        #expect(defaultShown("RETRY_DELAYS") == "1s,10s,60s")
        #expect(defaultShown("LOG_FORMAT") == "text")
        #expect(!FileManager.default.fileExists(atPath: database.path), "\(name) --help opened no database")

        let version = try await Self.run(name, ["--version"], environment: environment)
        #expect(version.status == 0 && version.output == "\(name) \(KvittVersion.current)\n", "\(version.output)")

        for arguments in [["--bogus"], ["serve"], ["--help", "extra"]] {
            let refused = try await Self.run(name, arguments, environment: environment)
            #expect(refused.status == 2, "\(name) \(arguments)")
            #expect(refused.errors.contains("unknown argument"), "\(name) \(arguments): \(refused.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: database.path), "nothing started")
    }

    @Test func debtCollectionShowsItsOwnSettingsAndAnswersHelpEvenWithABadRateTable() async throws {
        let help = try await Self.run("debt-collection", ["--help"], environment: ["REFERENCE_RATES": "not a rate"])
        #expect(help.status == 0, "\(help.errors)")
        #expect(help.output.contains("REFERENCE_RATES_FILE") && help.output.contains("REFERENCE_RATES "))
        let started = try await Self.run(
            "debt-collection",
            [],
            environment: ["REFERENCE_RATES": "not a rate", "KVITT_ENVIRONMENT": "test"]
        )
        #expect(started.status == 2, "without --help the bad table is refused as before")
        #expect(started.errors.contains("REFERENCE_RATES"), "\(started.errors)")
    }

    @Test func theCLIAnswersHelpAndVersionAndRefusesUnknownArgumentsWithStatusTwo() async throws {
        let help = try await Self.run("kvitt", ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: kvitt") && help.output.contains("status"), "\(help.output)")
        let version = try await Self.run("kvitt", ["--version"])
        #expect(version.status == 0 && version.output == "\(KvittVersion.current)\n", "\(version.output)")
        for arguments in [["--bogus"], ["no-such-command"], ["status", "--bogus"], ["dead-letters", "list", "--x"]] {
            let refused = try await Self.run("kvitt", arguments)
            #expect(refused.status == 2, "kvitt \(arguments): \(refused.errors)")
            #expect(refused.errors.contains("Error:") || refused.errors.contains("Usage:"), "\(refused.errors)")
        }
    }

    @Test func everyDocumentedDefaultIsTheDefaultTheServiceUses() async throws {
        let documented = ServiceSettings.documented(serviceName: "invoicing", defaultHTTPPort: 8081)
        #expect(Set(documented.map(\.variable)).count == documented.count, "each variable once")
        let explicit = Dictionary(
            documented.filter { !$0.defaultValue.isEmpty }.map { ($0.variable, $0.defaultValue) },
            uniquingKeysWith: { first, _ in first }
        )
        let unset = try ServiceSettings(serviceName: "invoicing", defaultHTTPPort: 8081, environment: [:])
        let setToDefaults = try ServiceSettings(serviceName: "invoicing", defaultHTTPPort: 8081, environment: explicit)
        #expect(setToDefaults == unset)
    }

    @Test func theVersionIsTheMessageContractsVersion() async throws {
        let contract = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("asyncapi.yaml")
        let text = try String(contentsOf: contract, encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.hasPrefix("  version: ") }
        #expect(line.map { String($0.dropFirst("  version: ".count)) } == KvittVersion.current)
    }

    @Test func argumentsAreParsedStrictly() async throws {
        #expect(try ServiceCommandLine.parse([]) == .run)
        #expect(try ServiceCommandLine.parse(["--help"]) == .help)
        #expect(try ServiceCommandLine.parse(["-h"]) == .help)
        #expect(try ServiceCommandLine.parse(["--version"]) == .version)
        #expect(throws: ServiceCommandLine.UnknownArgument(argument: "--verbose")) {
            try ServiceCommandLine.parse(["--verbose"])
        }
        #expect(throws: ServiceCommandLine.UnknownArgument(argument: "x")) {
            try ServiceCommandLine.parse(["--version", "x"])
        }
    }
}
