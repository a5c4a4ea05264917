import Foundation
import KvittTesting
import Testing

@testable import DebtCollection
@testable import Kvitt

/// The CLI's requests to the services' HTTP APIs (``ServiceRequest``), against real services: `kvitt status`'s
/// held-cases line from debt-collection and `kvitt clock` on a service with and without clock control, with a base
/// URL with and without a trailing slash, and a service that is not there.
@Suite("kvitt status and clock against the services' HTTP APIs")
struct ServiceRequestTests {
    @Test func theHeldCasesLineReadsDebtCollectionsSummaryOrSaysItIsUnknown() async throws {
        let service = try await InProcessService.start(
            DebtCollectionService.definition(),
            logger: TestBroker.logger("status-held")
        )
        let base = "http://127.0.0.1:\(service.port)"
        #expect(await StatusCommand.heldCasesLine(base) == "held collection cases: 0")
        #expect(await StatusCommand.heldCasesLine(base + "/") == "held collection cases: 0")
        try await service.stop()
        let nobody = "http://127.0.0.1:\(TestBroker.freePort())"
        #expect(
            await StatusCommand.heldCasesLine(nobody) == "held collection cases: unknown (\(nobody): not reachable)"
        )
        await TestBroker.cleanUp(
            services: [service.name],
            exchanges: [service.exchange, service.deadLetterExchange]
        )
    }

    @Test func theClockIsShownAndAdvancedOnlyWhereClockControlIsOn() async throws {
        let definition = ProbeService.definition(name: "cli-clock", handlerDelay: .zero)
        let plain = try await InProcessService.start(definition)
        let refused = await #expect(throws: CLIError.self) {
            try await ClockCommand.request("http://127.0.0.1:\(plain.port)", advance: "1d")
        }
        #expect(refused?.description.contains("no clock control") == true, "\(String(describing: refused))")
        try await plain.stop()

        let controlled = try await InProcessService.start(
            definition,
            environment: ["KVITT_ENVIRONMENT": "test", "CLOCK_CONTROL": "on"]
        )
        let base = "http://127.0.0.1:\(controlled.port)/"
        #expect(try await ClockCommand.request(base, advance: nil).offsetSeconds == 0)
        #expect(try await ClockCommand.request(base, advance: "2d").offsetSeconds == 172_800)
        #expect(try await ClockCommand.request(base, advance: nil).offsetSeconds == 172_800)
        try await controlled.stop()

        let nobody = "http://127.0.0.1:\(TestBroker.freePort())"
        let unreachable = await #expect(throws: CLIError.self) {
            try await ClockCommand.request(nobody, advance: nil)
        }
        #expect(unreachable?.description.hasPrefix("\(nobody): not reachable") == true)
        await TestBroker.cleanUp(
            services: [plain.name, controlled.name],
            exchanges: [plain.exchange, plain.deadLetterExchange, controlled.exchange, controlled.deadLetterExchange]
        )
    }
}
