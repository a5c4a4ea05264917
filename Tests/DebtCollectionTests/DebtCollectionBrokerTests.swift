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

        // A held case is not a broken service: readiness stays 200 and says how many cases are held and why.
        let ready = try #require(await HTTPProbe.get(port: collection.port, path: "/health/ready"))
        #expect(ready.status == 200)
        #expect(
            ready.body == "ready\nattention: 1 held collection case(s) (reference-rate-missing 1)\n",
            "\(ready.body)"
        )
        // The gauge has a series per reason, 0 for the reasons nothing is held for.
        let metrics = try #require(await HTTPProbe.get(port: collection.port, path: "/metrics")).body
        let held = metrics.split(separator: "\n").filter { $0.hasPrefix("kvitt_collection_cases_held{") }
        #expect(held.contains(#"kvitt_collection_cases_held{reason="reference-rate-missing"} 1.0"#), "\(held)")
        #expect(held.contains(#"kvitt_collection_cases_held{reason="amount-overflow"} 0.0"#), "\(held)")
        #expect(held.count == CaseHold.Reason.allCases.count, "\(held)")
        // `kvitt status` shows them per reason, read from this debt-collection.
        let status = try await Self.kvitt(
            ["status", "--timeout", "5", "--debt-collection-url", "http://127.0.0.1:\(collection.port)"],
            environment: ["AMQP_URL": TestBroker.url.environmentValue, "AMQP_EXCHANGE": collection.exchange]
        )
        #expect(status.status == 0, "\(status.output)")
        let lines = status.output.split(separator: "\n").map(String.init)
        let heading = try #require(lines.firstIndex { $0.hasPrefix("held collection cases:") }, "\(status.output)")
        #expect(lines[heading].hasPrefix("held collection cases: 1, oldest held since 2026-07-05"), "\(lines[heading])")
        #expect(lines[heading].hasSuffix("/v1/cases?status=held"))
        #expect(lines.dropFirst(heading + 1).first == "  reference-rate-missing  1", "\(status.output)")

        try await system.stop()
    }

    @Test func aHeldCaseShowsInTheHTTPAPIBesideTheOtherCreditorsReminderAndBadQueriesAre400() async throws {
        let (clock, collection, recorder, publisher) = try await collectionAlone(client: "upstream")

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

extension DebtCollectionBrokerTests {
    /// Delivery's report on a reminder, published as delivery publishes it, reaches the case's history once: once
    /// as the broker redelivers it under the same message id, once as a replay under a new one. The ladder's next step
    /// stays where it was, and preskription counts from the day the reminder was delivered.
    @Test func aDeliveredReminderAppearsInTheCaseHistoryOnceEvenWhenPublishedTwice() async throws {
        let (clock, collection, recorder, publisher) = try await collectionAlone(client: "delivery")

        try await publisher.publish(collection.message(CollectionBench.creditor()))
        try await publisher.publish(collection.message(CollectionBench.issued("inv-delivered")))
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-delivered")?.status == 200
            }
        )
        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        #expect(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == "inv-delivered" } != nil)
        // Delivery names the document after the reminder's event: its kind and the event's message id.
        let reminderID = try #require(
            recorder.deliveries.first { $0.properties.type == ReminderSent.messageType.rawValue }?.properties.messageID
        )
        let before = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-delivered")).body
        #expect(before.contains("\"preskription\" : \"2029-04-06\""), "\(before)")

        // Delivery reports days later; the collection letter is not due before 2026-04-16.
        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 10, hour: 9))!)
        let report = DocumentDelivered(
            documentID: "reminder-\(reminderID)",
            invoiceID: "inv-delivered",
            kind: .reminder,
            channel: .email,
            on: CalendarDate("2026-04-08")!,
            attempts: 2,
            receipt: "250 2.0.0 Ok: queued"
        )
        try await publisher.publish(collection.message(report, id: "delivered-1"))
        try await publisher.publish(collection.message(report, id: "delivered-1"))
        try await publisher.publish(collection.message(report, id: "delivered-2"))
        let line = "2026-04-08: reminder (påminnelse) of 2026-04-06 delivered by e-mail"
        #expect(
            await TestBroker.eventually {
                await BooksAudit.caseHistory(port: collection.port, invoiceID: "inv-delivered").contains(line)
            }
        )
        // A marker after the three: once it is in the history, all three reports have been handled.
        let failed = DeliveryFailed(
            documentID: "reminder-\(reminderID)",
            invoiceID: "inv-delivered",
            kind: .reminder,
            channel: .print,
            on: CalendarDate("2026-04-09")!,
            reason: "retries-exhausted",
            detail: "the print outbox is full",
            attempts: 5
        )
        try await publisher.publish(collection.message(failed))
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-delivered")?.body.contains(
                    "not delivered by print: retries-exhausted"
                ) == true
            }
        )
        let after = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-delivered")).body
        let entries = await BooksAudit.caseHistory(port: collection.port, invoiceID: "inv-delivered")
        #expect(entries.filter { $0 == line }.count == 1, "one entry: \(entries)")
        #expect(after.contains("\"preskription\" : \"2029-04-08\""), "from the day it was delivered: \(after)")
        let nextDate = { (body: String) in body.split(separator: "\n").first { $0.contains("\"nextDate\"") } }
        #expect(nextDate(after) == nextDate(before), "the ladder did not move: \(after)")

        await publisher.stop()
        await recorder.stop()
        try await collection.stop()
    }

    /// Reports from a client that is not delivery, over the real broker: a document id debt-collection never made and
    /// a real letter's id on another invoice are parked with their reasons and change nothing; a real letter's report
    /// dated decades ahead is recorded as today, so preskription moves no later than today allows.
    @Test func forgedDeliveryReportsFromAnotherClientAreParkedOrHeldToToday() async throws {
        let (clock, collection, recorder, publisher) = try await collectionAlone(client: "forger")
        try await publisher.publish(collection.message(CollectionBench.creditor()))
        try await publisher.publish(collection.message(CollectionBench.issued("inv-forged")))
        #expect(
            await TestBroker.eventually {
                await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-forged")?.status == 200
            }
        )
        clock.set(CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 4, day: 6, hour: 9))!)
        #expect(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == "inv-forged" } != nil)
        let reminderID = try #require(
            recorder.deliveries.first { $0.properties.type == ReminderSent.messageType.rawValue }?.properties.messageID
        )
        func report(_ documentID: String, invoiceID: String = "inv-forged", on day: String) -> DocumentDelivered {
            DocumentDelivered(
                documentID: documentID,
                invoiceID: invoiceID,
                kind: .reminder,
                channel: .email,
                on: CalendarDate(day)!,
                attempts: 1,
                receipt: "250 OK"
            )
        }
        try await publisher.publish(collection.message(report("reminder-never-made", on: "2026-04-06"), id: "forged-1"))
        try await publisher.publish(
            collection.message(
                report("reminder-\(reminderID)", invoiceID: "inv-other", on: "2026-04-06"),
                id: "forged-2"
            )
        )
        try await publisher.publish(collection.message(report("reminder-\(reminderID)", on: "2199-12-31"), id: "ahead"))

        let client = AMQPClient(url: TestBroker.url, options: TestBroker.options("dlq"), logger: logger)
        var parked: [String: String] = [:]
        _ = await TestBroker.eventually {
            if let letter = try? await client.perform({ session in
                try session.get(queue: "\(collection.name).dead-letter")
            }), let id = letter.properties.messageID {
                parked[id] = letter.properties.headers[FailureHeaders.detail]?.stringValue ?? ""
            }
            return parked.count == 2
        }
        await client.stop()
        #expect(parked.keys.sorted() == ["forged-1", "forged-2"], "\(parked)")
        #expect(parked["forged-1"]?.hasPrefix(DeliveryReportHandlers.unknownLetter) == true, "\(parked)")
        #expect(parked["forged-2"]?.hasPrefix(DeliveryReportHandlers.invalidReport) == true, "\(parked)")

        let line = "2026-04-06: reminder (påminnelse) of 2026-04-06 delivered by e-mail"
        #expect(
            await TestBroker.eventually {
                await BooksAudit.caseHistory(port: collection.port, invoiceID: "inv-forged").contains(line)
            }
        )
        let view = try #require(await HTTPProbe.get(port: collection.port, path: "/v1/cases/inv-forged")).body
        #expect(view.contains("\"preskription\" : \"2029-04-06\""), "no later than today allows: \(view)")
        #expect(!view.contains("2199"), "\(view)")

        await publisher.stop()
        await recorder.stop()
        try await collection.stop()
    }

    /// Debt-collection alone on a test exchange of the real broker (built-in rate table, scheduler every 100 ms, a
    /// manual clock from 2026-03-02 09:00), with a recorder of its events and a publisher connected as `client`.
    func collectionAlone(client: String) async throws -> (
        clock: ManualClock, collection: InProcessService, recorder: EventRecorder, publisher: AMQPPublisher
    ) {
        let clock = ManualClock(
            start: CalendarDate.stockholm.date(from: DateComponents(year: 2026, month: 3, day: 2, hour: 9))!
        )
        let collection = try await InProcessService.start(
            DebtCollectionService.definition(schedulerInterval: .milliseconds(100)),
            clock: clock,
            logger: logger
        )
        let recorder = try await EventRecorder(exchange: collection.exchange, patterns: ["debt-collection.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options(client), logger: logger)
        return (clock, collection, recorder, publisher)
    }

    /// Runs the real `kvitt` CLI on a thread of its own and returns its exit status and output (standard error
    /// included). Not on the cooperative pool: while the CLI asks the in-process debt-collection over HTTP, the
    /// service's route handlers need that pool, and on a two-core machine two blocked reads would fill it.
    static func kvitt(_ arguments: [String], environment: [String: String]) async throws -> (
        status: Int32, output: String
    ) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = TestBroker.executable("kvitt")
                process.arguments = arguments
                process.environment = environment
                // One pipe for both streams: nothing can block on a full pipe that is not being read.
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
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
