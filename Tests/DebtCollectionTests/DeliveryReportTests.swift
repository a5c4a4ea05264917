import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }
private func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

@Suite("Delivery reports in a case's history")
struct DeliveryReportLadderTests {
    let due = date("2026-04-01")

    func ladder(reminder: Int? = 10, collection: Int? = 25) throws -> CollectionLadder {
        CollectionLadder(
            settings: try CollectionSettings(
                reminderDaysAfterDue: reminder,
                collectionDaysAfterDue: collection,
                reminderFeeAgreed: true
            ),
            dueDate: due,
            debtor: .consumer
        )
    }

    /// Histories through every kind of step: the whole ladder, postponements (one the last event, waiting), a plan
    /// kept and missed, long-term surveillance with its letters, a recall.
    static let histories: [[CollectionEvent]] = [
        [
            .reminderSent(on: date("2026-04-11")),
            .collectionLetterSent(on: date("2026-04-26"), dueDate: date("2026-05-05")),
            .creditorDecisionRequested(on: date("2026-05-06")),
            .enforcementDecided(on: date("2026-05-08"), proceed: true),
            .enforcementApplicationPrepared(on: date("2026-05-08")),
        ],
        [
            .postponed(on: date("2026-04-05"), to: date("2026-04-20")),
            .reminderSent(on: date("2026-04-20")),
            .postponed(on: date("2026-04-22"), to: date("2026-06-01")),
        ],
        [
            .reminderSent(on: date("2026-04-11")),
            .installmentPlanCreated(on: date("2026-04-15")),
            .installmentMissed(on: date("2026-05-20")),
            .collectionLetterSent(on: date("2026-05-20"), dueDate: date("2026-06-01")),
        ],
        [
            .collectionRequested(on: date("2026-04-03")),
            .collectionLetterSent(on: date("2026-04-03"), dueDate: date("2026-04-14")),
            .creditorDecisionRequested(on: date("2026-04-15")),
            .enforcementDecided(on: date("2026-04-20"), proceed: false),
            .longTermSurveillanceStarted(on: date("2026-04-30")),
            .surveillanceLetterSent(on: date("2026-04-30")),
            .postponed(on: date("2026-05-02"), to: date("2026-08-15")),
            .surveillanceLetterSent(on: date("2026-08-15")),
        ],
        [.reminderSent(on: date("2026-04-11")), .recalled(on: date("2026-04-12"))],
    ]

    /// Both reports on a letter sent on `sentOn`, dated after the event they follow.
    static func reports(after event: CollectionEvent, index: Int) -> [CollectionEvent] {
        let letter = ReportedLetter(
            documentID: "reminder-\(index)",
            kind: event.demandDocumentKind ?? .enforcementApplication,
            channel: index.isMultiple(of: 2) ? .email : .print,
            sentOn: event.date
        )
        return [
            .deliveryFailed(on: event.date.adding(days: 1), document: letter, reason: "retries-exhausted"),
            .documentDelivered(on: event.date.adding(days: 3), document: letter),
        ]
    }

    /// Every prefix of every history, with delivery reports after each of its events and before the first, decides
    /// exactly as without them: the same next step, wait or stop, the same postponement answer.
    @Test func aLadderWithDeliveryReportsInterleavedDecidesExactlyAsWithoutThem() throws {
        for ladder in [try ladder(), try ladder(reminder: nil, collection: nil), try ladder(reminder: nil)] {
            for history in Self.histories {
                for length in 0...history.count {
                    let plain = Array(history.prefix(length))
                    let before = Self.reports(after: .reminderSent(on: due), index: -1)
                    let interleaved =
                        before
                        + plain.enumerated().flatMap { index, event in
                            [event] + Self.reports(after: event, index: index)
                        }
                    #expect(interleaved.count == plain.count * 3 + 2)
                    for outstanding in [sek(1_000_000), sek(0)] {
                        #expect(
                            ladder.next(after: interleaved, outstanding: outstanding)
                                == ladder.next(after: plain, outstanding: outstanding),
                            "\(plain)"
                        )
                    }
                    let today = plain.last?.date ?? due
                    let postponedTo = today.adding(days: 40)
                    let withReports = Result {
                        try ladder.postponement(
                            after: interleaved,
                            outstanding: sek(1),
                            to: postponedTo,
                            today: today
                        )
                    }
                    let without = Result {
                        try ladder.postponement(after: plain, outstanding: sek(1), to: postponedTo, today: today)
                    }
                    #expect("\(withReports)" == "\(without)", "\(plain)")
                }
            }
        }
    }

    /// The trap this guards against: a report after a postponement is the last event, and must not end the
    /// postponement (every other event does).
    @Test func aReportAfterAPostponementKeepsThePostponedDate() throws {
        let ladder = try ladder()
        let postponed: [CollectionEvent] = [
            .reminderSent(on: date("2026-04-11")),
            .postponed(on: date("2026-04-12"), to: date("2026-06-01")),
        ]
        let reported = postponed + Self.reports(after: postponed[0], index: 0)
        let next = ladder.next(after: reported, outstanding: sek(100))
        guard case .scheduled(let step) = next else {
            Issue.record("expected a scheduled step, got \(next)")
            return
        }
        #expect(step.step == .collectionLetter && step.date == date("2026-06-01"))
    }

    @Test func reportsShowInTheHistoryInWords() {
        let letter = ReportedLetter(
            documentID: "collection-letter-m1",
            kind: .collectionLetter,
            channel: .email,
            sentOn: date("2026-04-26")
        )
        #expect(
            CollectionEvent.documentDelivered(on: date("2026-04-27"), document: letter).summary
                == "collection letter (inkassokrav) of 2026-04-26 delivered by e-mail"
        )
        #expect(
            CollectionEvent.deliveryFailed(on: date("2026-04-28"), document: letter, reason: "no-address").summary
                == "collection letter (inkassokrav) of 2026-04-26 not delivered by e-mail: no-address"
        )
        #expect(!CollectionEvent.documentDelivered(on: date("2026-04-27"), document: letter).interruptsPreskription)
    }
}

@Suite("Preskription is interrupted when the demand reaches the debtor")
struct DeliveredPreskriptionTests {
    let start = Preskription(period: .consumer, claimArose: date("2026-03-02"))
    let reminder = CollectionEvent.reminderSent(on: date("2026-04-06"))

    func letter(_ kind: DocumentKind = .reminder, _ channel: DeliveryChannel = .email, sentOn: String = "2026-04-06")
        -> ReportedLetter
    {
        ReportedLetter(documentID: "\(kind.rawValue)-m", kind: kind, channel: channel, sentOn: date(sentOn))
    }

    @Test func withoutAReportTheSendDateCounts() {
        #expect(Preskription.interruptionDate(of: reminder, in: [reminder]) == date("2026-04-06"))
        #expect(start.interrupted(by: [reminder]).date == date("2029-04-06"))
    }

    @Test func aDeliveredDemandCountsFromTheDayItWasDelivered() {
        let history = [reminder, .documentDelivered(on: date("2026-04-09"), document: letter(.reminder, .print))]
        #expect(Preskription.interruptionDate(of: reminder, in: history) == date("2026-04-09"))
        #expect(start.interrupted(by: history).date == date("2029-04-09"))
    }

    @Test func aDemandThatWasNeverDeliveredDoesNotInterrupt() {
        let failed = [reminder, .deliveryFailed(on: date("2026-04-07"), document: letter(), reason: "no-address")]
        #expect(Preskription.interruptionDate(of: reminder, in: failed) == nil)
        #expect(start.interrupted(by: failed) == start)
        // Re-routed after the failure and delivered by print: from that day.
        let rerouted = failed + [.documentDelivered(on: date("2026-04-12"), document: letter(.reminder, .print))]
        #expect(Preskription.interruptionDate(of: reminder, in: rerouted) == date("2026-04-12"))
    }

    @Test func aReportOnAnotherLetterChangesNothing() {
        let letterSent = CollectionEvent.collectionLetterSent(on: date("2026-04-21"), dueDate: date("2026-05-04"))
        let history = [
            reminder, letterSent,
            .documentDelivered(on: date("2026-04-22"), document: letter(.collectionLetter, sentOn: "2026-04-21")),
            // The application summary goes to the creditor: its delivery is no demand on the debtor.
            .documentDelivered(on: date("2026-04-25"), document: letter(.enforcementApplication, sentOn: "2026-04-06")),
        ]
        #expect(Preskription.interruptionDate(of: reminder, in: history) == date("2026-04-06"))
        #expect(Preskription.interruptionDate(of: letterSent, in: history) == date("2026-04-22"))
        #expect(start.interrupted(by: history).date == date("2029-04-22"))
    }
}

@Suite("Delivery reports through debt-collection's handlers")
struct DeliveryReportHandlerTests {
    /// A bench whose case inv-1 got its reminder on 2026-04-06, and the id of the reminder's event.
    static func reminded() async throws -> (bench: CollectionBench, reminderID: String) {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-04-06")
        _ = try await bench.tick()
        let id = try await bench.harness.store.writer.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT message_id FROM kvitt_outbox WHERE type = ?",
                arguments: [ReminderSent.messageType.rawValue]
            )
        }
        return (bench, try #require(id))
    }

    static func delivered(_ documentID: String, invoiceID: String = "inv-1", kind: DocumentKind = .reminder)
        -> DocumentDelivered
    {
        DocumentDelivered(
            documentID: documentID,
            invoiceID: invoiceID,
            kind: kind,
            channel: .email,
            on: date("2026-04-07"),
            attempts: 1,
            receipt: "250 OK"
        )
    }

    static func history(_ bench: CollectionBench) async throws -> [String] {
        let record = try #require(try await bench.record("inv-1"))
        return try record.events.map { "\($0.date): \($0.summary)" }
    }

    @Test func theSameReportTwiceGivesOneEntryAndTheLadderStaysWhereItWas() async throws {
        let (bench, reminderID) = try await Self.reminded()
        let before = try #require(try await bench.record("inv-1"))
        // Two days later, as delivery's report comes after the letter; the next step is not due yet.
        bench.setDate("2026-04-08")
        let report = Self.delivered("reminder-\(reminderID)")
        #expect(try await bench.harness.send(report).outcome == .processed)
        // A replay under a new message id, and the runtime's own duplicate.
        #expect(try await bench.harness.send(report, id: "replayed").outcome == .processed)
        #expect(try await bench.harness.send(report, id: "replayed").outcome == .duplicate)
        let history = try await Self.history(bench)
        #expect(
            history.filter { $0.contains("delivered by e-mail") } == [
                "2026-04-07: reminder (påminnelse) of 2026-04-06 delivered by e-mail"
            ]
        )
        let after = try #require(try await bench.record("inv-1"))
        #expect(after.nextStep == before.nextStep && after.nextDate == before.nextDate)

        // A failure on the same document is another entry; the same failure again is not.
        let failed = DeliveryFailed(
            documentID: "reminder-\(reminderID)",
            invoiceID: "inv-1",
            kind: .reminder,
            channel: .print,
            on: date("2026-04-08"),
            reason: "retries-exhausted",
            detail: "the printer is out of paper",
            attempts: 5
        )
        #expect(try await bench.harness.send(failed).outcome == .processed)
        #expect(try await bench.harness.send(failed).outcome == .processed)
        #expect(try await Self.history(bench).count == 3)
    }

    /// Delivery's clock is its own: a day before the letter was sent (the clocks disagreeing under time travel) is
    /// the send date, a day after today here (or a forged one) is today, so a report can only move preskription
    /// earlier than the truth, never later.
    @Test func aReportDatedBeforeSendingOrAfterTodayIsRecordedOnTheNearestTrueDay() async throws {
        let (bench, reminderID) = try await Self.reminded()
        var early = Self.delivered("reminder-\(reminderID)")
        early.on = date("2026-03-01")
        #expect(try await bench.harness.send(early).outcome == .processed)
        let late = DeliveryFailed(
            documentID: "reminder-\(reminderID)",
            invoiceID: "inv-1",
            kind: .reminder,
            channel: .print,
            on: date("2031-01-01"),
            reason: "in-doubt",
            detail: "",
            attempts: 1
        )
        #expect(try await bench.harness.send(late).outcome == .processed)
        let history = try await Self.history(bench)
        #expect(history.contains("2026-04-06: reminder (påminnelse) of 2026-04-06 delivered by e-mail"), "\(history)")
        #expect(history.contains("2026-04-06: reminder (påminnelse) of 2026-04-06 not delivered by print: in-doubt"))
    }

    @Test func reportsOnInvoicesAreInvoicingsAndChangeNothing() async throws {
        let (bench, _) = try await Self.reminded()
        let report = Self.delivered("invoice-whatever", kind: .invoice)
        #expect(try await bench.harness.send(report).outcome == .processed)
        #expect(try await Self.history(bench).count == 1)
        // Even for an invoice debt-collection has no case for.
        #expect(
            try await bench.harness.send(Self.delivered("invoice-x", invoiceID: "nope", kind: .invoice)).outcome
                == .processed
        )
    }

    @Test func forgedOrMalformedReportsAreDeadLetteredWithTheirReason() async throws {
        let (bench, reminderID) = try await Self.reminded()
        let cases: [(DocumentDelivered, String)] = [
            (Self.delivered("reminder-not-ours"), DeliveryReportHandlers.unknownLetter),
            (Self.delivered("reminder-\(reminderID)", invoiceID: "inv-other"), DeliveryReportHandlers.invalidReport),
            (
                Self.delivered("collection-letter-\(reminderID)", kind: .collectionLetter),
                DeliveryReportHandlers.invalidReport
            ),
            (
                Self.delivered("surveillance-letter-\(reminderID)", kind: .reminder),
                DeliveryReportHandlers.invalidReport
            ),
            (Self.delivered("reminder-"), DeliveryReportHandlers.invalidReport),
            (Self.delivered("reminder-" + String(repeating: "x", count: 10_000)), DeliveryReportHandlers.invalidReport),
            (Self.delivered("reminder-\(reminderID)", invoiceID: "no-such-case"), DeliveryReportHandlers.invalidReport),
        ]
        for (report, reason) in cases {
            let outcome = try await bench.harness.send(report).outcome
            guard case .deadLetter(let failure, let detail) = outcome else {
                Issue.record("\(report.documentID.prefix(40)): \(outcome)")
                continue
            }
            #expect(failure == .permanentFailure)
            #expect(detail.hasPrefix(reason), "\(detail)")
        }
        let hostileReason = DeliveryFailed(
            documentID: "reminder-\(reminderID)",
            invoiceID: "inv-1",
            kind: .reminder,
            channel: .email,
            on: date("2026-04-07"),
            reason: "<script>alert(1)</script>",
            detail: "",
            attempts: 1
        )
        let outcome = try await bench.harness.send(hostileReason).outcome
        #expect(
            {
                if case .deadLetter(.permanentFailure, let detail) = outcome {
                    detail.hasPrefix(DeliveryReportHandlers.invalidReport)
                } else {
                    false
                }
            }(),
            "\(outcome)"
        )
        #expect(try await Self.history(bench).count == 1, "nothing reached the history")
    }
}
