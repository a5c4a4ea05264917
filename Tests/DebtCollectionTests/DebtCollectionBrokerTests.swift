import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Testing

@testable import DebtCollection
@testable import PaymentMatching

/// Debt-collection with its scheduler and a manual clock, beside payment-matching, on the real broker.
@Suite("Debt collection through the real broker")
struct DebtCollectionBrokerTests {
    let logger = TestBroker.logger("debt-collection")

    @Test func overdueInvoiceGetsAReminderWhoseFeeRaisesTheReceivable() async throws {
        let system = try await CollectionBesideMatching.start(logger: logger)
        let (clock, collection, matching) = (system.clock, system.collection, system.matching)
        let (recorder, publisher) = (system.recorder, system.publisher)

        try await publisher.publish(collection.message(CollectionBench.creditor()))
        let issued = CollectionBench.issued("inv-broker")
        try await publisher.publish(collection.message(issued))
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-broker")?.body.contains(
                    "\"nextDate\" : \"2026-04-06\""
                ) == true
            }
        )
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/inv-broker")?.status == 200
            }
        )

        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        let reminder = try #require(await recorder.wait(for: ReminderSent.self))
        #expect(reminder.outstanding == Money(minorUnits: 1_006_000, .sek))
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/inv-broker")?.body.contains("1006000")
                    == true
            },
            "payment-matching raised the balance by the reminder fee"
        )

        // A consumer claim from 2026-03-02 is time-barred after 3 years, restarted by the reminder on 2026-04-06.
        #expect(
            await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-broker")?.body
                .contains("\"preskription\" : \"2029-04-06\"") == true
        )
        try await publisher.publish(collection.message(RecallCollection(invoiceID: "inv-broker")))
        #expect(await recorder.wait(for: CaseClosed.self) { $0.reason == "recalled" } != nil)

        try await system.stop()
    }

    @Test func aBusinessDebtorIsChargedFourHundredFiftyKronorAndAMissingRateHoldsTheLetter() async throws {
        // The built-in rate table only: it ends 2026-06-30.
        let system = try await CollectionBesideMatching.start(logger: logger)
        let (clock, collection, matching) = (system.clock, system.collection, system.matching)
        let (recorder, publisher) = (system.recorder, system.publisher)

        try await publisher.publish(collection.message(CollectionBench.creditor()))
        try await publisher.publish(
            collection.message(CollectionBench.issued("inv-b2b", debtor: StatutoryAmountsTests.company))
        )
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/inv-b2b")?.status == 200
            }
        )
        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        let fees = try #require(await recorder.wait(for: FeesCharged.self, where: { $0.invoiceID == "inv-b2b" }))
        #expect(fees.fees.map(\.kind) == ["late-payment-compensation"])
        #expect(fees.fees.first?.amount == Money(minorUnits: 45_000, .sek))
        #expect(fees.fees.first?.legalBasis == StatutoryAmountsTests.compensationBasis)
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: matching.port, path: "/v1/receivables/inv-b2b")?.body.contains("1045000")
                    == true
            },
            "payment-matching raised the balance by the förseningsersättning"
        )

        // The inkassokrav is due on 2026-04-16 but taken on 2026-07-05: its interest needs the 2026-07-01 rate.
        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 7, day: 5, hour: 9))!)
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases?status=held")?.body.contains(
                    "\"reason\" : \"reference-rate-missing\""
                ) == true
            }
        )
        #expect(await recorder.wait(for: CollectionLetterSent.self, timeout: .seconds(1)) == nil)

        try await system.stop()
    }

    @Test func aHeldCaseShowsInTheHTTPAPIBesideTheOtherCreditorsReminderAndBadQueriesAre400() async throws {
        let clock = ManualClock(
            start: CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 3, day: 2, hour: 9))!
        )
        let collection = try await InProcessService.start(
            DebtCollectionService.definition(schedulerInterval: .milliseconds(100)),
            clock: clock,
            logger: logger
        )
        let recorder = try await EventRecorder(exchange: collection.exchange, patterns: ["debt-collection.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)

        // `ancient` is due before the rate table's first half-year: its inkassokrav, first by date, cannot be taken.
        try await publisher.publish(
            collection.message(CollectionBench.creditor("old-books", reminder: nil, collection: 15))
        )
        try await publisher.publish(collection.message(CollectionBench.creditor()))
        try await publisher.publish(
            collection.message(
                CollectionBench.issued(
                    "ancient",
                    creditorID: "old-books",
                    invoiceDate: "2023-05-02",
                    dueDate: "2023-06-01"
                )
            )
        )
        try await publisher.publish(collection.message(CollectionBench.issued("inv-http")))
        for id in ["ancient", "inv-http"] {
            #expect(
                await TestBroker.eventually {
                    await HTTPProbe.get(port: collection.port, path: "/v1/cases/\(id)")?.status == 200
                }
            )
        }

        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        #expect(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == "inv-http" } != nil)
        #expect(
            await TestBroker.eventually {
                let held = await HTTPProbe.get(port: collection.port, path: "/v1/cases?status=held")
                return held?.status == 200 && held?.body.contains("\"reason\" : \"reference-rate-missing\"") == true
            }
        )
        let held = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases?status=held"))
        #expect(held.body.contains("\"invoiceID\" : \"ancient\"") && !held.body.contains("inv-http"))
        let one = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases/ancient"))
        #expect(one.body.contains("\"held\" : {") && one.body.contains("\"since\""), "\(one.body)")
        let summary = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/case-summary"))
        #expect(summary.body.contains("\"held\" : 1") && summary.body.contains("\"reference-rate-missing\" : 1"))
        #expect(recorder.messages(CollectionLetterSent.self).isEmpty, "the held case sent nothing")

        let badQueries = [
            ("/v1/cases?status=bogus", "status"), ("/v1/cases?limit=0", "limit"),
            ("/v1/cases?limit=99999999999999999999", "limit"), ("/v1/cases?offset=-1", "offset"),
            ("/v1/cases?colour=red", "colour"), ("/v1/cases?status=open&status=held", "status"),
            ("/v1/cases/ancient?verbose=1", "verbose"), ("/v1/case-summary?x=1", "x"),
        ]
        for (path, field) in badQueries {
            let answer = await HTTPProbe.get(port: collection.port, path: path)
            #expect(answer?.status == 400, "\(path)")
            #expect(answer?.body.contains("\"field\" : \"\(field)\"") == true, "\(path): \(answer?.body ?? "")")
        }
        #expect(
            await HTTPProbe.get(port: collection.port, path: "/v1/cases?status=open&limit=1&offset=1")?.status == 200
        )

        await publisher.stop()
        await recorder.stop()
        try await collection.stop()
    }
}

/// Debt-collection (built-in rate table, scheduler every 100 ms, a manual clock from 2026-03-02 09:00) beside
/// payment-matching on one test exchange of the real broker, with a recorder of debt-collection's events and an
/// upstream publisher.
struct CollectionBesideMatching {
    let clock: ManualClock
    let collection: InProcessService
    let matching: InProcessService
    let recorder: EventRecorder
    let publisher: AMQPPublisher

    static func start(logger: Logger) async throws -> CollectionBesideMatching {
        let clock = ManualClock(
            start: CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 3, day: 2, hour: 9))!
        )
        let collection = try await InProcessService.start(
            DebtCollectionService.definition(rates: .riksbank, schedulerInterval: .milliseconds(100)),
            clock: clock,
            logger: logger
        )
        let matching = try await InProcessService.start(
            PaymentMatchingService.definition,
            exchanges: (collection.exchange, collection.deadLetterExchange),
            logger: logger
        )
        return CollectionBesideMatching(
            clock: clock,
            collection: collection,
            matching: matching,
            recorder: try await EventRecorder(exchange: collection.exchange, patterns: ["debt-collection.#"]),
            publisher: AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        )
    }

    func stop() async throws {
        await publisher.stop()
        await recorder.stop()
        try await matching.stop()
        try await collection.stop()
    }
}
