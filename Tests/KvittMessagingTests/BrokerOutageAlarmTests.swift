import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@testable import KvittMessaging

/// A memory alarm blocks every publishing connection of the shared broker, so the test command runs this suite in
/// the broker-outage phase, alone.
@Suite("BrokerOutage: a resource alarm is a state the service reports, and publishing resumes after it", .serialized)
struct BrokerOutageAlarmTests {
    let logger = TestBroker.logger("alarm")

    @Test func aMemoryAlarmTurnsReadinessRedAndPublishingResumesWhenItClears() async throws {
        let service = try await InProcessService.start(
            ProbeService.definition(name: "alarm", handlerDelay: .zero),
            environment: ["RETRY_DELAYS": "6s"],
            logger: logger
        )
        let events = try await EventRecorder(exchange: service.exchange, patterns: ["probe.effect-applied.v1"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("up"), logger: logger)
        try await publisher.publish(try service.message(Probe.ApplyEffect(key: "before", amount: 1)))
        #expect(await events.wait(for: Probe.EffectApplied.self) { $0.key == "before" } != nil)

        // The broker blocks a connection when it next publishes under the alarm. A message that fails once comes back
        // from its wait queue (inside the broker, which no alarm stops) 6 s later, and its event is then published
        // into the alarm raised meanwhile.
        try await publisher.publish(try service.message(Probe.Flaky(key: "during", failures: 1)))
        try await Task.sleep(for: .seconds(1))
        try await TestBroker.control("ctl", "set_vm_memory_high_watermark", "0.0000001")
        #expect(
            await TestBroker.eventually(timeout: .seconds(15)) {
                let ready = await HTTPProbe.get(port: service.port, path: "/health/ready")
                return ready?.status == 503 && ready?.body.contains("broker blocked") == true
            },
            "readiness names the alarm"
        )
        try await TestBroker.control("ctl", "set_vm_memory_high_watermark", "0.4")
        #expect(
            await TestBroker.eventually(timeout: .seconds(15)) {
                await HTTPProbe.get(port: service.port, path: "/health/ready")?.status == 200
            }
        )
        try await publisher.publish(try service.message(Probe.ApplyEffect(key: "after", amount: 1)))
        #expect(await events.wait(for: Probe.EffectApplied.self) { $0.key == "after" } != nil)
        #expect(await events.wait(for: Probe.EffectApplied.self) { $0.key == "during" } != nil, "nothing lost")
        await events.stop()
        await publisher.stop()
        try await service.stop()
    }
}
