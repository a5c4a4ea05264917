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
            #expect(config.output.contains("amqp://\(service):"), "\(service) logs in as its own user")
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

    @Test func aServiceUserCannotConsumeAnotherServicesQueue() async throws {
        let own = TestBroker.uniqueName("perm-own")
        let other = TestBroker.uniqueName("perm-other")
        let grant = TestBroker.repositoryRoot.appendingPathComponent("compose/rabbitmq/grant.sh").path
        let ctl = "bash " + TestBroker.repositoryRoot.appendingPathComponent("scripts/broker.sh").path + " ctl"
        for service in [own, other] {
            let result = try run(["env", "RABBITMQCTL=\(ctl)", "bash", grant, service, "secret-\(service)"])
            #expect(result.status == 0, "grant.sh: \(result.output)")
        }
        // Both services' topologies exist (declared by their own users, as the services do at start).
        for service in [own, other] {
            let url = AMQPURL(
                host: TestBroker.url.host,
                port: TestBroker.url.port,
                user: service,
                password: "secret-\(service)"
            )
            let topology = ServiceTopology(
                serviceName: service,
                messageTypes: ["probe.apply-effect.v1"],
                retryPolicy: RetryPolicy(delays: [.seconds(1)])
            )
            let client = AMQPClient(
                url: url,
                options: TestBroker.options(service),
                topology: topology.amqpTopology,
                logger: logger
            )
            try await client.waitUntilConnected()
            await client.stop()
        }
        let url = AMQPURL(host: TestBroker.url.host, port: TestBroker.url.port, user: own, password: "secret-\(own)")
        let client = AMQPClient(url: url, options: TestBroker.options("perm"), logger: logger)
        try await client.waitUntilConnected()
        let ownConsume = try await client.perform { session in try session.consume(queue: own) }
        #expect(!ownConsume.isEmpty, "a service consumes its own queue")
        await #expect(throws: AMQPError.self, "another service's queue is refused") {
            _ = try await client.perform { session in try session.consume(queue: other) }
        }
        await #expect(throws: AMQPError.self, "and so is its dead-letter queue") {
            _ = try await client.perform { session in try session.get(queue: "\(other).dead-letter") }
        }
        await client.stop()
        await TestBroker.cleanUp(
            services: [own, other],
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchanges: []
        )
        for service in [own, other] {
            _ = try run([
                "bash", TestBroker.repositoryRoot.appendingPathComponent("scripts/broker.sh").path, "ctl",
                "delete_user", service,
            ])
        }
    }
}
