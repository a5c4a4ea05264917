import Foundation
import KvittMessaging
import KvittTesting
import Testing

/// A bad setting stops a built service before anything starts, with status 2 and one line that names the setting
/// (and the file it came from) but never a secret's value.
@Suite("Bad settings stop the real executables")
struct ConfigurationExecutableTests {
    /// What would start a service, were the settings good: a database to create, a broker nobody listens on.
    static func environment(_ folder: URL) -> [String: String] {
        [
            "DATABASE_PATH": folder.appendingPathComponent("never.sqlite").path,
            "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/", "HTTP_PORT": "0",
            "KVITT_SECRETS_DIR": folder.appendingPathComponent("secrets").path,
        ]
    }

    static func refused(_ extra: [String: String], secrets: [String: String] = [:]) async throws -> (
        ExecutableRun, URL
    ) {
        let folder = try TestBroker.temporaryDirectory()
        let directory = folder.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, value) in secrets { try Data(value.utf8).write(to: directory.appendingPathComponent(name)) }
        let run = try await ServiceCommandLineTests.run(
            "invoicing",
            [],
            environment: environment(folder).merging(extra) { _, given in given }
        )
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("never.sqlite").path))
        return (run, folder)
    }

    @Test func aBadValueExitsTwoNamingTheSetting() async throws {
        let (run, _) = try await Self.refused(["AMQP_PREFETCH": "lots"])
        #expect(run.status == 2)
        #expect(run.errors.contains("AMQP_PREFETCH") && run.errors.contains("'lots'"), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1, "one line: \(run.errors)")
    }

    @Test func aBadSecretExitsTwoWithoutItsValue() async throws {
        let (url, _) = try await Self.refused(["AMQP_URL": "amqp://svc:hunter2@broker:port/"])
        #expect(url.status == 2 && url.errors.contains("AMQP_URL"), "\(url.errors)")
        #expect(!url.errors.contains("hunter2"))
        let (secret, folder) = try await Self.refused([:], secrets: ["AMQP_PREFETCH": "hunter2\n"])
        #expect(secret.status == 2 && secret.errors.contains("AMQP_PREFETCH"), "\(secret.errors)")
        #expect(secret.errors.contains(folder.appendingPathComponent("secrets/AMQP_PREFETCH").path))
        #expect(!secret.errors.contains("hunter2"))
    }

    /// A configuration file with `contents`, refused.
    static func refused(file contents: String) async throws -> (run: ExecutableRun, path: String) {
        let file = try TestBroker.temporaryDirectory().appendingPathComponent("kvitt.json")
        try Data(contents.utf8).write(to: file)
        return (try await refused(["KVITT_CONFIG_FILE": file.path]).0, file.path)
    }

    @Test func aMalformedFileExitsTwoNamingIt() async throws {
        let (run, path) = try await Self.refused(file: "{\"LOG_LEVEL\" \"debug\"}")
        #expect(run.status == 2)
        #expect(run.errors.contains("KVITT_CONFIG_FILE") && run.errors.contains(path), "\(run.errors)")
    }

    @Test func aFileValueThatCannotBeUsedNamesTheSettingAndTheFile() async throws {
        let (run, path) = try await Self.refused(file: "{\"LOG_FORMAT\": \"xml\"}")
        #expect(run.status == 2)
        #expect(run.errors.contains("LOG_FORMAT") && run.errors.contains(path), "\(run.errors)")
    }
}
