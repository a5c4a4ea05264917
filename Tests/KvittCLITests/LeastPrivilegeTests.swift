import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Kvitt

/// A Kvitt system of its own on the test broker (exchange `E`, queues `<service>-E`), and broker users made by
/// `compose/rabbitmq/grant.sh` from the table `kvitt permissions` derives from the catalogue for that system.
struct PermissionedSystem {
    let system: SystemTopology
    let table: URL
    let users: [BrokerRole: AMQPURL]
    let password: String

    var exchange: String { system.exchange }
    var retryExchange: String { ServiceTopology.retryExchange(of: system.exchange) }
    func queue(_ service: KvittService) -> String { system.queueName(of: service) }
    func userName(_ role: BrokerRole) -> String { "\(role)-\(system.exchange)" }

    /// Grants the roles, each to a user of its own, in parallel (each grant is a few `rabbitmqctl` runs).
    static func make(_ roles: [BrokerRole]) async throws -> PermissionedSystem {
        let exchange = TestBroker.uniqueName("lp")
        let system = SystemTopology(
            exchange: exchange,
            deadLetterExchange: "\(exchange).dead-letter",
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            queueSuffix: "-\(exchange)"
        )
        let folder = try TestBroker.temporaryDirectory()
        let table = folder.appendingPathComponent("permissions.tsv")
        try BrokerPermissions(system: system).tabSeparated.write(to: table, atomically: true, encoding: .utf8)
        let password = UUID().uuidString
        let made = PermissionedSystem(system: system, table: table, users: [:], password: password)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for role in roles {
                group.addTask { try await made.grant(role) }
            }
            try await group.waitForAll()
        }
        var users: [BrokerRole: AMQPURL] = [:]
        for role in roles {
            users[role] = AMQPURL(
                host: TestBroker.url.host,
                port: TestBroker.url.port,
                user: made.userName(role),
                password: password
            )
        }
        return PermissionedSystem(system: system, table: table, users: users, password: password)
    }

    private func grant(_ role: BrokerRole) async throws {
        let root = TestBroker.repositoryRoot
        let control = "bash " + root.appendingPathComponent("scripts/broker.sh").path + " ctl"
        let arguments = [
            "env", "RABBITMQCTL=\(control)", "bash", root.appendingPathComponent("compose/rabbitmq/grant.sh").path,
            userName(role), password, "/", role.description, table.path,
        ]
        let run = try await CommandRun.tool(arguments)
        guard run.status == 0 else { throw CLIError("grant.sh \(role) exited with \(run.status): \(run.errors)") }
    }

    /// Deletes the users, the queues of `services` and the system's exchanges.
    func cleanUp(services: [KvittService]) async {
        for role in users.keys {
            _ = try? await CommandRun.tool([
                "bash", TestBroker.repositoryRoot.appendingPathComponent("scripts/broker.sh").path, "ctl",
                "delete_user", userName(role),
            ])
        }
        await TestBroker.cleanUp(
            services: services.map(queue),
            retryPolicy: system.retryPolicy,
            exchanges: [exchange, system.deadLetterExchange, retryExchange, system.unroutedExchange]
        )
        await TestBroker.cleanUp(queues: [system.unroutedExchange])
    }
}

/// What the broker answers a user's operation: `nil` when it was allowed, else the reply code with which it closed
/// the channel (403 `ACCESS_REFUSED`).
func brokerAnswer(
    _ client: AMQPClient,
    _ operation: @escaping @Sendable (AMQPSession) throws -> Void
) async throws -> UInt16? {
    try await client.perform { session in
        do {
            try operation(session)
            // A refused publish is answered only by closing the channel: a round trip makes that answer arrive.
            try session.declare(AMQPExchange(name: "amq.direct", kind: .direct), passive: true)
            return nil
        } catch AMQPError.closedByBroker(let code, _) {
            try session.reopenChannel()
            return code
        }
    }
}

/// A message with a routing key and no body: what is tested is whether the broker takes it.
func bare(_ exchange: String, _ routingKey: String) -> AMQPOutgoingMessage {
    AMQPOutgoingMessage(exchange: exchange, routingKey: routingKey, properties: AMQPProperties(), body: [])
}

/// Least privilege through the real broker (docs/security.md): each user made from the generated grants is refused
/// every rule it must not break, and can do everything its real run needs.
@Suite("Least privilege: each broker user does its own job and nothing else")
struct LeastPrivilegeTests {
    let logger = TestBroker.logger("least-privilege")
    let accessRefused: UInt16 = 403

    @Test func eachUserIsRefusedWhatIsNotItsOwn() async throws {
        let permissioned = try await PermissionedSystem.make([.service(.paymentMatching), .operator, .topology])
        let services: [KvittService] = [.invoicing, .paymentMatching]
        // The topology user declares the system's objects, refused nothing.
        let topologyUser = AMQPClient(
            url: try #require(permissioned.users[.topology]),
            options: TestBroker.options("lp-topology"),
            logger: logger
        )
        try await topologyUser.waitUntilConnected()
        let declarations =
            [permissioned.system.sharedTopology]
            + services.map {
                permissioned.system.serviceTopology($0).amqpTopology
            }
        for declaration in declarations {
            let refusals = try await topologyUser.perform { session in
                try TolerantDeclaration.declare(declaration, on: session)
            }
            #expect(refusals.isEmpty, "the topology user declares everything: \(refusals)")
        }
        #expect(
            try await brokerAnswer(topologyUser) { session throws(AMQPError) in
                try session.publish(bare(permissioned.exchange, InvoiceIssued.messageType.rawValue))
            } == accessRefused,
            "and publishes nothing"
        )
        await topologyUser.stop()

        let own = permissioned.queue(.paymentMatching)
        let other = permissioned.queue(.invoicing)
        let exchange = permissioned.exchange
        let retry = permissioned.retryExchange
        let deadLetter = permissioned.system.deadLetterExchange
        let service = AMQPClient(
            url: try #require(permissioned.users[.service(.paymentMatching)]),
            options: TestBroker.options("lp-service"),
            logger: logger
        )
        try await service.waitUntilConnected()
        func answer(_ operation: @escaping @Sendable (AMQPSession) throws -> Void) async throws -> UInt16? {
            try await brokerAnswer(service, operation)
        }
        // It publishes its own events and the command it sends, and nothing else on the main exchange.
        #expect(try await answer { try $0.publish(bare(exchange, PaymentRegistered.messageType.rawValue)) } == nil)
        #expect(try await answer { try $0.publish(bare(exchange, ApplyCredit.messageType.rawValue)) } == nil)
        #expect(
            try await answer { try $0.publish(bare(exchange, InvoiceIssued.messageType.rawValue)) } == accessRefused,
            "another service's event"
        )
        #expect(
            try await answer { try $0.publish(bare(exchange, RegisterPayment.messageType.rawValue)) } == accessRefused,
            "an upstream command, even one it consumes itself"
        )
        // No queue directly: not through the default exchange, not through the retry exchange but its own wait queue.
        #expect(try await answer { try $0.publish(bare("", other)) } == accessRefused, "another's queue by name")
        #expect(try await answer { try $0.publish(bare("", "\(other).dead-letter")) } == accessRefused)
        #expect(try await answer { try $0.publish(bare("", own)) } == accessRefused, "its own queue by name")
        #expect(try await answer { try $0.publish(bare(retry, "\(own).retry.1s")) } == nil, "its own wait queue")
        #expect(try await answer { try $0.publish(bare(retry, "\(other).retry.1s")) } == accessRefused)
        #expect(try await answer { try $0.publish(bare(retry, other)) } == accessRefused, "another's work queue")
        #expect(try await answer { try $0.publish(bare(retry, own)) } == accessRefused, "its own, skipping the wait")
        // Shared exchanges: checked, never deleted or changed.
        for name in [exchange, retry, deadLetter] {
            #expect(try await answer { try $0.deleteExchange(name) } == accessRefused, "delete \(name)")
            #expect(
                try await answer { try $0.declare(AMQPExchange(name: name, kind: .fanout)) } == accessRefused,
                "redeclare \(name) differently"
            )
            #expect(try await answer { try $0.declare(AMQPExchange(name: name, kind: .topic), passive: true) } == nil)
        }
        // Queues: its own only; no other's messages, not even by binding its queue to another's commands.
        #expect(try await answer { _ = try $0.get(queue: own) } == nil)
        #expect(try await answer { _ = try $0.get(queue: other) } == accessRefused, "another's work queue")
        #expect(try await answer { _ = try $0.get(queue: "\(other).dead-letter") } == accessRefused)
        #expect(try await answer { _ = try $0.consume(queue: other) } == accessRefused)
        #expect(try await answer { try $0.deleteQueue(other) } == accessRefused)
        #expect(
            try await answer {
                try $0.bind(AMQPBinding(queue: own, exchange: exchange, routingKey: CreateInvoice.messageType.rawValue))
            } == accessRefused,
            "binding its queue to a type it does not consume"
        )
        #expect(
            try await answer { _ = try $0.declare(AMQPQueue.quorum("\(own).extra")) } == accessRefused,
            "a queue outside its names"
        )
        await service.stop()

        // The operator: dead letters and replays, no service's work.
        let operatorUser = AMQPClient(
            url: try #require(permissioned.users[.operator]),
            options: TestBroker.options("lp-operator"),
            logger: logger
        )
        try await operatorUser.waitUntilConnected()
        #expect(try await brokerAnswer(operatorUser) { _ = try $0.get(queue: "\(own).dead-letter") } == nil)
        #expect(try await brokerAnswer(operatorUser) { _ = try $0.get(queue: own) } == accessRefused, "work queue")
        #expect(try await brokerAnswer(operatorUser) { _ = try $0.get(queue: "\(own).retry.1s") } == accessRefused)
        #expect(try await brokerAnswer(operatorUser) { try $0.publish(bare(retry, own)) } == nil, "a replay's way")
        #expect(
            try await brokerAnswer(operatorUser) { try $0.publish(bare(retry, "\(own).retry.1s")) } == accessRefused
        )
        #expect(try await brokerAnswer(operatorUser) { try $0.deleteExchange(exchange) } == accessRefused)
        #expect(try await brokerAnswer(operatorUser) { try $0.deleteQueue(own) } == accessRefused)
        #expect(
            try await brokerAnswer(operatorUser) { _ = try $0.declare(AMQPQueue.quorum("\(own).extra")) }
                == accessRefused
        )
        await operatorUser.stop()
        await permissioned.cleanUp(services: services)
    }

    /// The real payment-matching executable, logged in as its restricted user: it declares its own queues (the
    /// shared exchanges exist), publishes its events, retries through the retry exchange and parks a dead letter;
    /// the operator replays that dead letter.
    @Test func aRealServiceDoesItsWholeJobWithItsRestrictedUser() async throws {
        let permissioned = try await PermissionedSystem.make([.service(.paymentMatching), .operator])
        let exchange = permissioned.exchange
        // Only the exchanges exist beforehand (what `kvitt topology declare` leaves); the queues are the service's.
        let exchanges = AMQPTopology(
            exchanges: permissioned.system.sharedTopology.exchanges
                + [AMQPExchange(name: permissioned.retryExchange, kind: .topic)]
        )
        let guest = AMQPClient(url: TestBroker.url, options: TestBroker.options("lp-guest"), logger: logger)
        try await guest.waitUntilConnected()
        try await guest.perform { session in try session.declare(exchanges) }
        let recorder = try await EventRecorder(exchange: exchange, patterns: ["payment-matching.#"])
        let folder = try TestBroker.temporaryDirectory()
        let processes = ServiceProcesses(
            executables: ["payment-matching"],
            exchange: exchange,
            folder: folder,
            broker: try #require(permissioned.users[.service(.paymentMatching)])
        )
        try await processes.startAll()
        let queue = permissioned.queue(.paymentMatching)

        let upstream = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("lp-up"), logger: logger)
        func message<M: KvittMessage>(_ payload: M, id: String) throws -> AMQPOutgoingMessage {
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: M.messageType.rawValue,
                properties: AMQPProperties(
                    envelope: MessageEnvelope(messageID: id, type: M.messageType, appID: "test")
                ),
                body: try MessageCoding.encode(payload)
            )
        }
        let payment = RegisterPayment(
            source: "swish",
            sourceID: "lp-1",
            amount: Money(minorUnits: 12_500, .sek),
            paymentDate: CalendarDate("2026-03-21")!,
            message: "no reference at all"
        )
        // A fee on an invoice payment-matching has not seen: retried through the retry exchange, then parked.
        let fees = FeesCharged(
            invoiceID: "lp-unknown",
            fees: [.init(kind: "reminder", amount: Money(minorUnits: 6_000, .sek))],
            interest: Money(minorUnits: 0, .sek),
            total: Money(minorUnits: 6_000, .sek)
        )
        var undecodable = try message(payment, id: "lp-undecodable")
        undecodable.body = Array("{".utf8)
        for result in await upstream.publish(batch: [
            try message(payment, id: "lp-payment"), try message(fees, id: "lp-fees"), undecodable,
        ]) {
            try result.get()
        }
        #expect(await recorder.wait(for: PaymentRegistered.self) { $0.sourceID == "lp-1" } != nil, "its event")

        let operatorURL = try #require(permissioned.users[.operator])
        let client = AMQPClient(url: operatorURL, options: TestBroker.options("lp-ops"), logger: logger)
        let publisher = AMQPPublisher(url: operatorURL, options: TestBroker.options("lp-ops-pub"), logger: logger)
        try await client.waitUntilConnected()
        try await publisher.waitUntilConnected()
        var operations = DeadLetterOperations(client: client, publisher: publisher, services: [queue])
        operations.routes = DeadLetterRoutes(
            exchange: exchange,
            deadLetterExchange: permissioned.system.deadLetterExchange
        )
        var parked: [DeadLetter] = []
        _ = await TestBroker.eventually(timeout: .seconds(20)) {
            parked = (try? await operations.list(filter: DeadLetterFilter())) ?? []
            return parked.count == 2
        }
        let byID = Dictionary(parked.map { ($0.id, $0) }) { first, _ in first }
        let retried = try #require(byID["lp-fees"], "parked: \(parked.map(\.id))")
        #expect(retried.reason == FailureReason.retriesExhausted.rawValue)
        #expect(retried.retryCount == 1, "went to its wait queue through the retry exchange, and came back")
        #expect(byID["lp-undecodable"]?.reason == FailureReason.undecodableBody.rawValue)

        // The operator replays it (to the service's queue); unknown still, it is retried and parked again.
        let replay = try await operations.replay(filter: DeadLetterFilter(ids: ["lp-fees"]), dryRun: false, rate: nil)
        #expect(replay.replayed.map(\.id) == ["lp-fees"] && replay.failed.isEmpty)
        #expect(
            await TestBroker.eventually(timeout: .seconds(20)) {
                let again = (try? await operations.list(filter: DeadLetterFilter(ids: ["lp-fees"]))) ?? []
                return again.contains { $0.replayCount == 1 }
            },
            "the replayed copy was handled by the service again"
        )
        let statuses = await processes.terminateAll()
        #expect(statuses["payment-matching"] == 0, "a clean stop: \(statuses)")
        let log =
            (try? String(contentsOf: folder.appendingPathComponent("payment-matching.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("ACCESS_REFUSED - access to exchange '\(exchange)"), "no refusal on its own path")
        await upstream.stop()
        await recorder.stop()
        await client.stop()
        await publisher.stop()
        await guest.stop()
        await permissioned.cleanUp(services: [.paymentMatching])
    }
}
