import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// The deployment files: the compose file is valid, and each service's broker user can reach only its own queues.
@Suite("Deployment: compose file and broker permissions")
struct DeploymentTests {
    let logger = TestBroker.logger("deployment")

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = TestBroker.repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func composeFileIsValidAndRefusesMissingSecrets() throws {
        let valid = try run([
            "docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml", "config", "-q",
        ])
        #expect(valid.status == 0, "docker-compose config: \(valid.output)")
        let config = try run([
            "docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml", "config",
        ])
        for service in ["invoicing", "payment-matching", "debt-collection", "tax-reduction"] {
            #expect(config.output.contains("amqp://\(service)@"), "\(service) logs in as its own user")
            #expect(
                config.output.contains("\(service)-data:/data") || config.output.contains("source: \(service)-data")
            )
        }
        #expect(!config.output.contains("guest:guest"))
        let missing = try run(["docker-compose", "-f", "compose/compose.yaml", "config", "-q"])
        #expect(missing.status != 0, "secrets are required, not defaulted")
    }

    /// The one-shot `kvitt topology declare` runs after the broker setup and before every service, which waits for
    /// it to succeed; the broker setup makes kvitt.unrouted the alternate exchange.
    @Test func theTopologyIsDeclaredBeforeAnyServiceStarts() throws {
        let script = """
            import json, subprocess, yaml
            text = subprocess.run(["docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml",
                "config"], capture_output=True, text=True, check=True).stdout
            services = yaml.safe_load(text)["services"]
            print(json.dumps({name: {"depends_on": service.get("depends_on") or {}, "command": service.get("command"),
                "build": (service.get("build") or {}).get("args", {})} for name, service in services.items()}))
            """
        let result = try run(["python3", "-c", script])
        try #require(result.status == 0, "\(result.output)")
        let services = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [String: Any]]
        )
        let topology = try #require(services["topology"])
        #expect(topology["command"] as? [String] == ["topology", "declare"])
        #expect((topology["build"] as? [String: String])?["SERVICE"] == "kvitt")
        #expect(
            ((topology["depends_on"] as? [String: Any])?["broker-setup"] as? [String: String])?["condition"]
                == "service_completed_successfully"
        )
        for service in KvittService.allCases.map(\.rawValue) {
            let dependsOn = services[service]?["depends_on"] as? [String: Any]
            #expect(
                (dependsOn?["topology"] as? [String: String])?["condition"] == "service_completed_successfully",
                "\(service) starts after the topology is declared"
            )
        }
        let setup = try String(
            contentsOf: TestBroker.repositoryRoot.appendingPathComponent("compose/rabbitmq/setup.sh"),
            encoding: .utf8
        )
        #expect(setup.contains(#"'{"alternate-exchange":"kvitt.unrouted"}'"#))
    }

    /// The grants are derived from the catalogue: the table compose applies is what `kvitt permissions` prints
    /// now, and the setup script gives no user more than its role (LeastPrivilegeTests tries each rule on the broker).
    @Test func thePermissionTableIsGeneratedFromTheCatalogue() throws {
        let folder = TestBroker.repositoryRoot.appendingPathComponent("compose/rabbitmq")
        let table = try String(contentsOf: folder.appendingPathComponent("permissions.tsv"), encoding: .utf8)
        #expect(
            table == BrokerPermissions().tabSeparated,
            "regenerate: kvitt permissions > compose/rabbitmq/permissions.tsv"
        )
        for role in BrokerRole.allCases {
            #expect(table.contains("\npermissions\t\(role)\t"), "\(role) has a grant")
        }
        #expect(!table.contains(#"amq\.default"#), "no role writes on the default exchange")
        for service in KvittService.allCases {
            let grant = BrokerPermissions().grant(for: .service(service))
            #expect(!grant.writePattern.contains("amq"), "\(service) never writes on the default exchange")
            let transition = BrokerPermissions(keepsDefaultExchangeForUpgrade: true).grant(for: .service(service))
            #expect(transition.writePattern.contains(#"|amq\.default)$"#), "but during an upgrade from it")
            #expect(grant.topics.first { $0.exchange == "kvitt" }?.writePattern.contains(".*") == false)
        }
        let setup = try String(contentsOf: folder.appendingPathComponent("setup.sh"), encoding: .utf8)
        #expect(!setup.contains("administrator") && !setup.contains(#"".*""#), "no user has every right")
        let unknown = try run([
            "env", "RABBITMQCTL=false", "bash", folder.appendingPathComponent("grant.sh").path, "someone", "pw", "/",
            "no-such-role",
        ])
        #expect(unknown.status == 2 && unknown.output.contains("no role 'no-such-role'"), "\(unknown.output)")
    }
}
