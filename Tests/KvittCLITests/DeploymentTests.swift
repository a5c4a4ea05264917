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

    @Test func composeFileIsValidAndRefusesMissingSecrets() async throws {
        let valid = try await CommandRun.tool([
            "docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml", "config", "-q",
        ])
        #expect(valid.status == 0, "docker-compose config: \(valid.errors)")
        let config = try await CommandRun.tool([
            "docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml", "config",
        ])
        for service in ["invoicing", "payment-matching", "debt-collection", "tax-reduction"] {
            #expect(config.output.contains("amqp://\(service)@"), "\(service) logs in as its own user")
            #expect(
                config.output.contains("\(service)-data:/data") || config.output.contains("source: \(service)-data")
            )
        }
        #expect(!config.output.contains("guest:guest"))
        let missing = try await CommandRun.tool(["docker-compose", "-f", "compose/compose.yaml", "config", "-q"])
        #expect(missing.status != 0, "secrets are required, not defaulted")
    }

    /// The one-shot `kvitt topology declare` runs after the broker setup and before every service, which waits for
    /// it to succeed; the broker setup makes kvitt.unrouted the alternate exchange.
    @Test func theTopologyIsDeclaredBeforeAnyServiceStarts() async throws {
        let script = """
            import json, subprocess, yaml
            text = subprocess.run(["docker-compose", "--env-file", "compose/.env.example", "-f", "compose/compose.yaml",
                "config"], capture_output=True, text=True, check=True).stdout
            services = yaml.safe_load(text)["services"]
            print(json.dumps({name: {"depends_on": service.get("depends_on") or {}, "command": service.get("command"),
                "build": (service.get("build") or {}).get("args", {})} for name, service in services.items()}))
            """
        let result = try await CommandRun.tool(["python3", "-c", script])
        try #require(result.status == 0, "\(result.errors)")
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
    @Test func thePermissionTableIsGeneratedFromTheCatalogue() async throws {
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
        let unknown = try await CommandRun.tool([
            "env", "RABBITMQCTL=false", "bash", folder.appendingPathComponent("grant.sh").path, "someone", "pw", "/",
            "no-such-role",
        ])
        #expect(unknown.status == 2 && unknown.errors.contains("no role 'no-such-role'"), "\(unknown.errors)")
    }

    /// `kvitt permissions` prints the very table compose applies (the regeneration the test above asks for), and its
    /// rabbitmqctl form quotes every value for the shell: a vhost with a quote in it reaches rabbitmqctl whole, and
    /// each grant's patterns arrive as the table has them.
    @Test func kvittPermissionsPrintsTheTableAndShellSafeCommands() async throws {
        let table = try String(
            contentsOf: TestBroker.repositoryRoot.appendingPathComponent("compose/rabbitmq/permissions.tsv"),
            encoding: .utf8
        )
        let printed = try await CommandRun.kvitt(["permissions"])
        #expect(printed.status == 0 && printed.output == table, "\(printed.errors)")

        let vhost = "it's $HOME"
        let commands = try await CommandRun.kvitt(["permissions", "--format", "rabbitmqctl", "--vhost", vhost])
        #expect(commands.status == 0, "\(commands.errors)")
        let rows = table.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let lines = commands.output.split(separator: "\n")
        try #require(lines.count == rows.count, "one command per row of the table: \(commands.output)")
        // Each command's words as the shell splits them: one line per command, a tab after each word.
        let words = try await CommandRun.tool([
            "bash", "-c",
            "rabbitmqctl() { printf '%s\\t' \"$@\"; printf '\\n'; }\n" + commands.output,
        ])
        #expect(words.status == 0, "\(words.errors)")
        for (row, parsed) in zip(rows, words.output.split(separator: "\n")) {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            let kind = fields[0] == "permissions" ? "set_permissions" : "set_topic_permissions"
            let expected = [kind, "-p", vhost] + fields.dropFirst().map(String.init)
            #expect(
                parsed.split(separator: "\t", omittingEmptySubsequences: false).dropLast().map(String.init) == expected
            )
        }
    }
}
