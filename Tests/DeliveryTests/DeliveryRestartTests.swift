import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Delivery

/// The real `delivery` executable as its own process, killed with `kill -9` in the middle of a delivery and
/// started again over the same SQLite file: the test SMTP server counts what it was offered and what it kept.
struct DeliveryProcess {
    let processes: ServiceProcesses
    let recorder: EventRecorder
    let publisher: AMQPPublisher
    let smtp: SMTPTestServer
    let databasePath: String

    static func start(_ mode: SMTPTestServer.Mode, retryDelays: String) async throws -> DeliveryProcess {
        let smtp = try await SMTPTestServer(mode: mode)
        let folder = try TestBroker.temporaryDirectory()
        let exchange = TestBroker.uniqueName("kvitt")
        let processes = ServiceProcesses(
            executables: ["delivery"],
            exchange: exchange,
            folder: folder,
            broker: TestBroker.url,
            environment: [
                "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtp.port)", "SMTP_STARTTLS": "off",
                "SMTP_FROM": "faktura@kvitt.test", "SMTP_TIMEOUT": "10s",
                "DELIVERY_RETRY_DELAYS": retryDelays, "DELIVERY_POLL_INTERVAL": "100ms",
                "PRINT_DIRECTORY": folder.appendingPathComponent("print").path,
                "LOG_LEVEL": "info",
            ]
        )
        do {
            try await processes.start("delivery")
        } catch {
            smtp.stop()
            throw error
        }
        // After the first start, which declares the exchange; before any restart, whose events it must see.
        let recorder = try await EventRecorder(exchange: exchange, patterns: ["delivery.#"])
        return DeliveryProcess(
            processes: processes,
            recorder: recorder,
            publisher: AMQPPublisher(
                url: TestBroker.url,
                options: TestBroker.options("upstream"),
                logger: TestBroker.logger("upstream")
            ),
            smtp: smtp,
            databasePath: folder.appendingPathComponent("delivery.sqlite").path
        )
    }

    func publish<M: KvittMessage>(_ message: M) async throws {
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: processes.exchange,
                routingKey: M.messageType.rawValue,
                properties: AMQPProperties(
                    envelope: MessageEnvelope(messageID: UUID().uuidString, type: M.messageType, appID: "test")
                ),
                body: try MessageCoding.encode(message)
            )
        )
    }

    func issueInvoice(_ fixture: InvoiceFixture) async throws {
        try await publish(CreditorRegistered(creditor: fixture.creditor))
        try await publish(fixture.created)
        try await publish(fixture.issued)
    }

    /// The invoice's delivery row, read from the service's own database file (the service may be dead).
    func delivery() async throws -> (state: String, attempts: Int)? {
        let store = try MessageStore(path: databasePath)
        return try await store.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT state, attempts FROM delivery").map { ($0["state"], $0["attempts"]) }
        }
    }

    func stop() async {
        await processes.terminateAll()
        await publisher.stop()
        await recorder.stop()
        await TestBroker.cleanUp(
            services: [processes.services["delivery"]!.name],
            retryPolicy: RetryPolicy(delays: [.seconds(1)]),
            exchanges: [processes.exchange, processes.deadLetterExchange]
        )
        smtp.stop()
    }
}

@Suite(.serialized)
struct DeliveryRestartTests {
    /// Killed while waiting to retry a 451: after the restart the retry goes out once, and the attempts count on
    /// from where they were.
    @Test func aKillBetweenRetriesResumesAndSendsTheMailOnce() async throws {
        // 15 s before the retry: wide enough that a test slowed by a busy machine still sees the wait and kills in it.
        let system = try await DeliveryProcess.start(.temporaryFailures(count: 1), retryDelays: "15s,200ms")
        try await system.issueInvoice(InvoiceFixture())
        var row: (state: String, attempts: Int)?
        _ = await TestBroker.eventually(timeout: .seconds(60)) {
            row = try? await system.delivery()
            return row?.state == DeliveryState.failed.rawValue
        }
        #expect(row?.state == "failed")
        #expect(row?.attempts == 1)
        await system.processes.kill("delivery")
        #expect(system.smtp.offered == 1)
        #expect(system.smtp.accepted.isEmpty)

        try await system.processes.start("delivery")
        let delivered = try #require(
            await system.recorder.wait(for: DocumentDelivered.self, timeout: .seconds(60))
        )
        #expect(delivered.attempts == 2, "the attempt before the kill counts")
        #expect(delivered.channel == .email)
        try await Task.sleep(for: .seconds(1))
        #expect(system.smtp.offered == 2)
        #expect(system.smtp.accepted.count == 1)
        #expect(system.recorder.messages(DocumentDelivered.self).count == 1)
        #expect(try await system.delivery()?.state == "sent")
        await system.stop()
    }

    /// Killed after the server had the whole message and before its answer was recorded: the server kept the mail,
    /// and after the restart the delivery is parked as in doubt and never sent again.
    @Test func aKillWhileTheServerAnswersParksTheMailInDoubtAndNeverSendsItAgain() async throws {
        let system = try await DeliveryProcess.start(.acceptSlowly(seconds: 3), retryDelays: "200ms")
        try await system.issueInvoice(InvoiceFixture())
        #expect(await TestBroker.eventually(timeout: .seconds(60)) { system.smtp.offered == 1 })
        #expect(try await system.delivery()?.state == DeliveryState.sending.rawValue)
        await system.processes.kill("delivery")
        #expect(system.smtp.accepted.count == 1, "the server kept the message; its answer never arrived")

        try await system.processes.start("delivery")
        let failed = try #require(await system.recorder.wait(for: DeliveryFailed.self, timeout: .seconds(30)))
        #expect(failed.reason == "in-doubt")
        #expect(failed.attempts == 1)
        try await Task.sleep(for: .seconds(1))
        #expect(system.smtp.offered == 1, "not offered again")
        #expect(system.smtp.accepted.count == 1)
        #expect(system.recorder.messages(DocumentDelivered.self).isEmpty)
        #expect(try await system.delivery()?.state == "parked")
        await system.stop()
    }
}
