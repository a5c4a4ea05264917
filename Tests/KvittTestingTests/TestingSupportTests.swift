import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@Suite("Test support: manual clock, in-memory bus, unique broker names")
struct TestingSupportTests {
    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 0))
        #expect(clock.now() == Date(timeIntervalSince1970: 0))
        clock.advance(by: 86_400)
        #expect(clock.now() == Date(timeIntervalSince1970: 86_400))
        clock.set(Date(timeIntervalSince1970: 5))
        #expect(clock.now() == Date(timeIntervalSince1970: 5))
    }

    @Test func inMemoryBusRecordsAndFailsOnRequest() async throws {
        let bus = InMemoryBus()
        let message = AMQPOutgoingMessage(
            exchange: "kvitt",
            routingKey: Probe.EffectApplied.messageType.rawValue,
            body: try MessageCoding.encode(Probe.EffectApplied(key: "k", total: 2))
        )
        bus.failNextPublishes(with: [.nacked])
        let results = await bus.publish(batch: [message, message])
        #expect((try? results[0].get()) == nil)
        #expect((try? results[1].get()) != nil)
        #expect(try bus.published(Probe.EffectApplied.self) == [Probe.EffectApplied(key: "k", total: 2)])
        bus.reset()
        #expect(bus.published.isEmpty)
    }

    @Test func uniqueNamesDoNotCollide() {
        let names = Set((0..<1000).map { _ in TestBroker.uniqueName("q") })
        #expect(names.count == 1000)
        #expect(names.allSatisfy { $0.hasPrefix("q-") && $0.count == 14 })
    }
}
