import Foundation
import KvittTesting
import Testing

/// The container image ships the dependency versions the test suite ran with, its health check works without a
/// setting the image does not have, and compose hands every documented setting to the container that reads it.
@Suite("Deployment: the container image and the settings compose passes")
struct ContainerImageTests {
    /// One dependency as a Package.resolved file pins it.
    struct Pin: Decodable, Hashable, CustomStringConvertible {
        struct State: Decodable, Hashable {
            let revision: String
            let version: String?
        }

        let identity: String
        let state: State
        var description: String { "\(identity) \(state.version ?? state.revision)" }
    }

    struct Resolved: Decodable {
        let pins: [Pin]
    }

    func pins(_ relativePath: String) throws -> Set<Pin> {
        let url = TestBroker.repositoryRoot.appendingPathComponent(relativePath)
        return Set(try JSONDecoder().decode(Resolved.self, from: Data(contentsOf: url)).pins)
    }

    func text(_ relativePath: String) throws -> String {
        try String(contentsOf: TestBroker.repositoryRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// compose/Package.resolved is what the image builds with (`--force-resolved-versions`); the root one, kept out
    /// of git, is what this build resolved. They must name the same versions, or the image ships code no test ran.
    @Test func theImagePinsTheVersionsTheTestsResolved() throws {
        let shipped = try pins("compose/Package.resolved")
        let tested = try pins("Package.resolved")
        #expect(!shipped.isEmpty)
        let onlyShipped = shipped.subtracting(tested).map(\.description).sorted()
        let onlyTested = tested.subtracting(shipped).map(\.description).sorted()
        #expect(
            onlyShipped.isEmpty && onlyTested.isEmpty,
            "copy Package.resolved to compose/Package.resolved: image \(onlyShipped), tests \(onlyTested)"
        )
        let dockerfile = try text("compose/Dockerfile")
        #expect(dockerfile.contains("COPY compose/Package.resolved ./Package.resolved"))
        #expect(dockerfile.contains("swift package resolve --force-resolved-versions"))
    }

    /// The health check's port is a variable the image itself sets, and the build context leaves out build output.
    @Test func theHealthCheckUsesAPortTheImageSets() throws {
        let dockerfile = try text("compose/Dockerfile")
        let environment = dockerfile.split(separator: "\n").filter { $0.hasPrefix("ENV ") }.joined(separator: " ")
        #expect(dockerfile.contains("${HTTP_PORT}/health/ready"))
        #expect(environment.contains("HTTP_PORT="), "the image sets HTTP_PORT for its health check")
        let ignored = try text(".dockerignore").split(separator: "\n").map(String.init)
        for path in [".build", ".git", "/Package.resolved"] {
            #expect(ignored.contains(path), "\(path) stays out of the build context")
        }
    }

    /// The settings docs/configuration.md documents, per section: "Every service", one per service, and the CLI's.
    func documentedSettings() throws -> [String: Set<String>] {
        var sections: [String: Set<String>] = [:]
        var section: String?
        for line in try text("docs/configuration.md").split(separator: "\n") {
            if line.hasPrefix("### ") {
                section = line.dropFirst(4).replacingOccurrences(of: "`", with: "")
            } else if let section, line.hasPrefix("| `") {
                let name = line.dropFirst(3).prefix { $0 != "`" }
                sections[section, default: []].insert(String(name))
            } else if let section, line.hasPrefix("Besides these, `kvitt` reads") {
                let names = line.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map {
                    String($0.element)
                }
                sections[section, default: []].formUnion(names.filter { $0 != "kvitt" })
            }
        }
        return sections
    }

    /// One container as `docker-compose config` renders it.
    struct RenderedService: Decodable {
        let environment: [String: String]
        /// The files mounted under /run/secrets.
        let secrets: Set<String>
        /// Each bind mount's target and source.
        let mounts: [String: String]
    }

    /// What `docker-compose config` renders with the example env file and secrets, and `overrides` (compose files
    /// added after compose.yaml): each container's environment (its env files resolved), secrets and bind mounts.
    func renderedCompose(overrides: [String] = []) async throws -> [String: RenderedService] {
        let tls = try TestBroker.temporaryDirectory().path
        let files = (["compose/compose.yaml"] + overrides).flatMap { ["-f", $0] }.map { "\"\($0)\"" }
        let script = """
            import json, os, subprocess, yaml
            text = subprocess.run(["docker-compose", "--env-file", "compose/.env.example", \(files.joined(separator: ", ")),
                "config"], capture_output=True, text=True, check=True,
                env=dict(os.environ, KVITT_SECRETS="./secrets.example", KVITT_TLS="\(tls)")).stdout
            services = yaml.safe_load(text)["services"]
            def mounted(secret):
                return secret.get("target", secret["source"]) if isinstance(secret, dict) else secret
            def mount(volume):
                if isinstance(volume, dict):
                    return volume["target"], volume.get("source", "")
                source, target = (volume.split(":") + [""])[:2]
                return (target, source) if target else (source, "")
            def mounts(service):
                return dict(mount(volume) for volume in service.get("volumes") or [])
            print(json.dumps({name: {"environment": {key: str(value) for key, value in
                (service.get("environment") or {}).items()}, "secrets": [mounted(secret) for secret in
                service.get("secrets") or []], "mounts": mounts(service)} for name, service in services.items()}))
            """
        let run = try await CommandRun.tool(["python3", "-c", script])
        try #require(run.status == 0, "docker-compose config failed: \(run.errors)")
        return try JSONDecoder().decode([String: RenderedService].self, from: Data(run.output.utf8))
    }

    /// compose.tls.yaml switches every connection to TLS: each service and the one-shot connect with amqps:// to
    /// 5671 as their own user, with the CA, client certificate and key as secret files their settings point at; the
    /// broker mounts its TLS listener, its certificate and key where tls.conf says, and closes the plaintext listener.
    @Test func theTLSOverrideSwitchesEveryConnectionToVerifiedTLS() async throws {
        let plain = try await renderedCompose()
        let rendered = try await renderedCompose(overrides: ["compose/compose.tls.yaml"])
        for container in ["invoicing", "payment-matching", "debt-collection", "tax-reduction", "delivery", "topology"] {
            let service = try #require(rendered[container])
            let plainURL = try #require(plain[container]?.environment["AMQP_URL"])
            let user = try #require(plainURL.split(separator: "//").last?.split(separator: "@").first)
            #expect(service.environment["AMQP_URL"] == "amqps://\(user)@rabbitmq:5671/kvitt", "\(container)")
            for (setting, file) in [
                ("AMQP_CA_CERT", "amqp-ca.pem"), ("AMQP_CLIENT_CERT", "amqp-client.pem"),
                ("AMQP_CLIENT_KEY", "amqp-client.key"),
            ] {
                #expect(service.environment[setting] == "/run/secrets/\(file)", "\(container) \(setting)")
                #expect(service.secrets.contains(file), "\(container) mounts \(file)")
            }
            #expect(
                service.secrets.isSuperset(of: plain[container]?.secrets ?? []),
                "\(container) keeps its password and token"
            )
        }
        let broker = try #require(rendered["rabbitmq"])
        let tlsConfiguration = try String(
            contentsOf: TestBroker.repositoryRoot.appendingPathComponent("compose/rabbitmq/tls.conf"),
            encoding: .utf8
        )
        for file in ["ca.pem", "server.pem", "server.key"] {
            #expect(tlsConfiguration.contains("/etc/rabbitmq/tls/\(file)"))
            #expect(
                broker.mounts["/etc/rabbitmq/tls/\(file)"]?.hasSuffix("/\(file)") == true,
                "the broker gets \(file)"
            )
        }
        #expect(broker.mounts["/etc/rabbitmq/conf.d/30-tls.conf"]?.hasSuffix("rabbitmq/tls.conf") == true)
        let tlsOnly = try #require(broker.mounts["/etc/rabbitmq/conf.d/40-tls-only.conf"])
        #expect(try String(contentsOfFile: tlsOnly, encoding: .utf8).contains("listeners.tcp = none"))
        #expect(plain["rabbitmq"]?.mounts["/etc/rabbitmq/conf.d/30-tls.conf"] == nil, "plaintext without the switch")
    }

    /// Every setting the documentation lists reaches the container of each executable that reads it, either in its
    /// environment or, for a secret (the broker password, the HTTP API's token), as a secret file; no secret is in an
    /// environment variable. The topology one-shot makes no HTTP calls: it gets no KVITT_API_TOKEN.
    @Test func everyDocumentedSettingReachesItsContainer() async throws {
        let documented = try documentedSettings()
        let common = try #require(documented["Every service"])
        let cli = try #require(documented["The kvitt CLI"])
        #expect(common.contains("AMQP_URL") && cli.contains("KVITT_AUDIT_PATH"), "the doc's tables were read")
        let rendered = try await renderedCompose()
        var expected = ["topology": cli]
        for service in ["invoicing", "payment-matching", "debt-collection", "tax-reduction", "delivery"] {
            expected[service] = common.union(documented[service] ?? [])
        }
        // Settings that reach a container as files under /run/secrets, never in its environment.
        let secretSettings: Set<String> = ["AMQP_PASSWORD", "API_TOKEN"]
        for (container, settings) in expected {
            let service = try #require(rendered[container], "\(container) is in compose")
            let (environment, secrets) = (service.environment, service.secrets)
            let expectedSecrets = settings.intersection(secretSettings).union(["AMQP_PASSWORD"])
            for secret in expectedSecrets {
                #expect(secrets.contains(secret), "\(container) gets \(secret) as a secret")
                #expect(environment[secret] == nil, "\(container) has no \(secret) in its environment")
            }
            #expect(environment["KVITT_API_TOKEN"] == nil, "\(container) has no token in its environment")
            let url = try #require(environment["AMQP_URL"])
            #expect(
                !url.contains(":change-me")
                    && url.components(separatedBy: "://").last?.split(separator: "@").first?.contains(":") == false
            )
            let notInEnvironment = secretSettings.union(container == "topology" ? ["KVITT_API_TOKEN"] : [])
            let missing = settings.subtracting(environment.keys).subtracting(notInEnvironment).sorted()
            #expect(missing.isEmpty, "\(container) does not get \(missing)")
        }
        #expect(rendered["delivery"]?.environment["SMTP_HOST"] != nil)
        #expect(rendered["invoicing"]?.environment["SMTP_HOST"] == nil, "a service gets only what it reads")
        #expect(common.contains("API_TOKEN"), "API_TOKEN is documented for every service")
        #expect(rendered["topology"]?.secrets.contains("API_TOKEN") == false, "the one-shot makes no HTTP calls")
    }
}
