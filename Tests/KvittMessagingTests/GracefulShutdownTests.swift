import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@testable import KvittMessaging

/// The probe service as a real process: SIGTERM with work in flight, then a restart.
@Suite("Graceful shutdown of a service process")
struct GracefulShutdownTests {
    let logger = TestBroker.logger("sigterm")

    func launch(name: String, exchange: String, database: String, port: Int, standardError: Pipe? = nil) throws
        -> Process
    {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt-probe-service")
        process.environment = [
            "AMQP_URL": "amqp://guest:guest@\(TestBroker.url.host):\(TestBroker.url.port)/",
            "AMQP_EXCHANGE": exchange, "AMQP_DEAD_LETTER_EXCHANGE": "\(exchange).dead-letter",
            "PROBE_SERVICE_NAME": name, "DATABASE_PATH": database, "HTTP_PORT": "\(port)",
            "PROBE_HANDLER_DELAY_MS": "10", "BATCH_SIZE": "20", "AMQP_PREFETCH": "50", "LOG_LEVEL": "warning",
            "LOG_FORMAT": "json", "KVITT_ENVIRONMENT": "test",
        ]
        if let standardError { process.standardError = standardError }
        try process.run()
        return process
    }

    func waitReady(_ port: Int) async -> Bool {
        await TestBroker.eventually { await HTTPProbe.get(port: port, path: "/health/ready")?.status == 200 }
    }

    func tally(_ database: String) throws -> [String: (total: Int64, applications: Int)] {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let pool = try DatabasePool(path: database, configuration: configuration)
        return try pool.read { db in try ProbeService.tally(db) }
    }

    @Test func aServiceThatCannotStartSaysWhyInOneLineAndExitsOne() async throws {
        // Another service already holds the HTTP port.
        let holder = try launch(
            name: TestBroker.uniqueName("probe-holder"),
            exchange: TestBroker.uniqueName("kvitt"),
            database: try TestBroker.temporaryDirectory().appendingPathComponent("holder.sqlite").path,
            port: TestBroker.freePort()
        )
        defer { holder.terminate() }
        let port = Int(holder.environment?["HTTP_PORT"] ?? "") ?? 0
        try #require(await waitReady(port), "the holder must hold the port, or the second start proves nothing")
        let errors = Pipe()
        let second = try launch(
            name: TestBroker.uniqueName("probe-second"),
            exchange: TestBroker.uniqueName("kvitt"),
            database: try TestBroker.temporaryDirectory().appendingPathComponent("second.sqlite").path,
            port: port,
            standardError: errors
        )
        // A second that started after all would run forever: stop it, so that the test fails instead of hanging.
        let exited = await TestBroker.eventually(timeout: .seconds(30)) { !second.isRunning }
        if !exited { second.terminate() }
        #expect(exited, "a service whose port is taken exits")
        let output = await Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        second.waitUntilExit()
        #expect(second.terminationStatus == 1, "a start-up failure is an exit, not a crash")
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        #expect(lines.contains { $0.contains("\"level\":\"critical\"") && $0.contains("Address already in use") })
        #expect(!lines.contains { $0.contains("Fatal error") || $0.contains("Backtracing") })
    }

    @Test func sigtermWithMessagesInFlightLosesNothingAndAppliesNothingTwice() async throws {
        let name = TestBroker.uniqueName("probe")
        let exchange = TestBroker.uniqueName("kvitt")
        let database = try TestBroker.temporaryDirectory().appendingPathComponent("probe.sqlite").path
        let port = TestBroker.freePort()
        let first = try launch(name: name, exchange: exchange, database: database, port: port)
        #expect(await waitReady(port))

        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        let total = 1_000
        let messages = try (0..<total).map { index in
            AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: Probe.ApplyEffect.messageType.rawValue,
                properties: AMQPProperties(envelope: MessageEnvelope(type: Probe.ApplyEffect.messageType)),
                body: try MessageCoding.encode(Probe.ApplyEffect(key: "k\(index)", amount: 1))
            )
        }
        for result in await publisher.publish(batch: messages) { try result.get() }

        // 10 ms a message keeps about ten seconds of work queued, so a starved test thread still signals mid-run.
        #expect(await TestBroker.eventually { (try? tally(database).count) ?? 0 >= 100 })
        first.terminate()  // SIGTERM
        first.waitUntilExit()
        #expect(first.terminationReason == .exit)
        #expect(first.terminationStatus == 0, "graceful shutdown exits cleanly")
        let afterStop = try tally(database)
        #expect(afterStop.count < total, "the SIGTERM arrived with work still queued")
        #expect(afterStop.values.allSatisfy { $0.applications == 1 })
        let pendingAtExit = try await DatabasePool(path: database).read { db in try Outbox.backlog(db) }
        #expect(pendingAtExit == 0, "the outbox was flushed before exit")

        let second = try launch(name: name, exchange: exchange, database: database, port: port)
        #expect(await waitReady(port))
        #expect(await TestBroker.eventually(timeout: .seconds(120)) { (try? tally(database).count) == total })
        let final = try tally(database)
        #expect(final.values.allSatisfy { $0.applications == 1 && $0.total == 1 }, "nothing applied twice")
        let metrics = await HTTPProbe.get(port: port, path: "/metrics")
        #expect(metrics?.status == 200)
        #expect(metrics?.body.contains("kvitt_messages_consumed_total") == true)
        #expect(await HTTPProbe.get(port: port, path: "/health/live")?.status == 200)
        second.terminate()
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        await publisher.stop()
        await TestBroker.cleanUp(
            services: [name],
            exchanges: [exchange, "\(exchange).dead-letter"]
        )
    }

    @Test func killMinusNineMidBatchLosesNothingAndAppliesNothingTwice() async throws {
        let name = TestBroker.uniqueName("probe-kill")
        let exchange = TestBroker.uniqueName("kvitt")
        let database = try TestBroker.temporaryDirectory().appendingPathComponent("probe.sqlite").path
        let port = TestBroker.freePort()
        let first = try launch(name: name, exchange: exchange, database: database, port: port)
        #expect(await waitReady(port))
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        let total = 1_000
        // Every message twice (a duplicating upstream), under the same id.
        let messages = try (0..<total).flatMap { index -> [AMQPOutgoingMessage] in
            let message = AMQPOutgoingMessage(
                exchange: exchange,
                routingKey: Probe.ApplyEffect.messageType.rawValue,
                properties: AMQPProperties(
                    envelope: MessageEnvelope(messageID: "kill-\(index)", type: Probe.ApplyEffect.messageType)
                ),
                body: try MessageCoding.encode(Probe.ApplyEffect(key: "k\(index)", amount: 1))
            )
            return [message, message]
        }
        for result in await publisher.publish(batch: messages) { try result.get() }
        #expect(await TestBroker.eventually { (try? tally(database).count) ?? 0 >= 150 })
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        #expect(try tally(database).count < total, "the kill arrived with work still queued")

        let second = try launch(name: name, exchange: exchange, database: database, port: port)
        #expect(await waitReady(port))
        #expect(await TestBroker.eventually(timeout: .seconds(120)) { (try? tally(database).count) == total })
        let final = try tally(database)
        #expect(
            final.values.allSatisfy { $0.applications == 1 },
            "no effect applied twice despite kill -9 and duplicates"
        )
        second.terminate()
        second.waitUntilExit()
        await publisher.stop()
        await TestBroker.cleanUp(
            services: [name],
            exchanges: [exchange, "\(exchange).dead-letter"]
        )
    }
}
