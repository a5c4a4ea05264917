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

    /// What one run printed on each stream, and its exit status.
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs a built executable with its output in files (no pipe to fill), and waits at most 20 s for it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let folder = try TestBroker.temporaryDirectory()
        let outputFile = folder.appendingPathComponent("out")
        let errorFile = folder.appendingPathComponent("err")
        try Data().write(to: outputFile)
        try Data().write(to: errorFile)
        let process = Process()
        process.executableURL = TestBroker.executable(executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(executable) \(arguments) was still running after 20 s: it started instead of answering")
        }
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            output: try String(contentsOf: outputFile, encoding: .utf8),
            errors: try String(contentsOf: errorFile, encoding: .utf8)
        )
    }

    @Test(arguments: services)
    func aServiceAnswersHelpAndVersionWithoutStartingAndRefusesOtherArguments(name: String, port: Int) throws {
        let folder = try TestBroker.temporaryDirectory()
        let database = folder.appendingPathComponent("never.sqlite")
        // Settings that would start a service (a database to create, a broker nobody listens on).
        let environment = [
            "DATABASE_PATH": database.path, "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/", "HTTP_PORT": "0",
            "PRINT_DIRECTORY": folder.appendingPathComponent("print").path,
            "PEPPOL_DIRECTORY": folder.appendingPathComponent("peppol").path,
        ]
        let help = try Self.run(name, ["--help"], environment: environment)
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

        let version = try Self.run(name, ["--version"], environment: environment)
        #expect(version.status == 0 && version.output == "\(name) \(KvittVersion.current)\n", "\(version.output)")

        for arguments in [["--bogus"], ["serve"], ["--help", "extra"]] {
            let refused = try Self.run(name, arguments, environment: environment)
            #expect(refused.status == 2, "\(name) \(arguments)")
            #expect(refused.errors.contains("unknown argument"), "\(name) \(arguments): \(refused.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: database.path), "nothing started")
    }

    @Test func debtCollectionShowsItsOwnSettingsAndAnswersHelpEvenWithABadRateTable() throws {
        let help = try Self.run("debt-collection", ["--help"], environment: ["REFERENCE_RATES": "not a rate"])
        #expect(help.status == 0, "\(help.errors)")
        #expect(help.output.contains("REFERENCE_RATES_FILE") && help.output.contains("REFERENCE_RATES "))
        let started = try Self.run("debt-collection", [], environment: ["REFERENCE_RATES": "not a rate"])
        #expect(started.status == 2, "without --help the bad table is refused as before")
    }

    @Test func theCLIAnswersHelpAndVersionAndRefusesUnknownArgumentsWithStatusTwo() throws {
        let help = try Self.run("kvitt", ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: kvitt") && help.output.contains("status"), "\(help.output)")
        let version = try Self.run("kvitt", ["--version"])
        #expect(version.status == 0 && version.output == "\(KvittVersion.current)\n", "\(version.output)")
        for arguments in [["--bogus"], ["no-such-command"], ["status", "--bogus"], ["dead-letters", "list", "--x"]] {
            let refused = try Self.run("kvitt", arguments)
            #expect(refused.status == 2, "kvitt \(arguments): \(refused.errors)")
            #expect(refused.errors.contains("Error:") || refused.errors.contains("Usage:"), "\(refused.errors)")
        }
    }

    @Test func everyDocumentedDefaultIsTheDefaultTheServiceUses() throws {
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

    @Test func theVersionIsTheMessageContractsVersion() throws {
        let contract = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("asyncapi.yaml")
        let text = try String(contentsOf: contract, encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.hasPrefix("  version: ") }
        #expect(line.map { String($0.dropFirst("  version: ".count)) } == KvittVersion.current)
    }

    @Test func argumentsAreParsedStrictly() throws {
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
