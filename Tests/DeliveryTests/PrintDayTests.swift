import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Testing

@testable import Delivery

/// A printed document belongs to exactly one day's print batch, however late its retry. The worker on its own
/// store and a manual clock; the PDF is stored with the document, so nothing is rendered.
struct PrintDayTests {
    /// 2027-01-25 23:59:30 in Stockholm (UTC+1 in January).
    static let justBeforeMidnight = Date(timeIntervalSince1970: 1_800_917_970)
    static let day = CalendarDate(year: 2027, month: 1, day: 25)!

    @Test func aRetryAfterMidnightFilesTheDocumentUnderItsFirstDay() async throws {
        #expect(CalendarDate.today(at: Self.justBeforeMidnight) == Self.day)
        #expect(CalendarDate.today(at: Self.justBeforeMidnight.addingTimeInterval(60)) == Self.day.adding(days: 1))
        let store = try MessageStore(writer: DatabaseQueue(), migrations: { DeliverySchema.register(&$0) })
        let clock = ManualClock(start: Self.justBeforeMidnight)
        let printDirectory = try TestBroker.temporaryDirectory().appendingPathComponent("print")
        let worker = DeliveryWorker(
            store: store,
            clock: clock,
            settings: DeliverySettings(smtp: nil, printDirectory: printDirectory, collector: DeliveryHarness.collector),
            serviceName: "delivery",
            logger: Logger(label: "print-day-test"),
            outboxCommitted: {}
        )
        let letter = DocumentRenderingTests.letter(.reminder)
        let pdf = Data("%PDF-1.4 stored\n".utf8)
        let documentID = "reminder-print-day"
        try await store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO document (id, invoiceID, kind, createdAt, data, pdf) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    documentID, "inv-print-day", letter.kind.rawValue, Self.justBeforeMidnight,
                    try StoredJSON.encode(letter), pdf,
                ]
            )
            try db.execute(
                sql: """
                    INSERT INTO delivery (documentID, channel, recipient, state, nextAttemptAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    documentID, DeliveryChannel.print.rawValue, DeliveryRoute.printed.recipient,
                    DeliveryState.pending.rawValue, Self.justBeforeMidnight, Self.justBeforeMidnight,
                ]
            )
        }
        let due = DeliveryWorker.Due(
            documentID: documentID,
            channel: .print,
            recipient: DeliveryRoute.printed.recipient,
            attempts: 0,
            invoiceID: "inv-print-day",
            kind: .reminder
        )

        // The first attempt files the PDF at 23:59:30, and the process dies before `sent` is recorded.
        _ = try await worker.printed(due, letter: letter, pdf: pdf)
        // After midnight the worker finds the row still pending and tries again.
        clock.advance(by: 60)
        #expect(try await worker.runOnce() == 1)

        let state = try store.writer.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT state, receipt FROM delivery WHERE documentID = ?",
                arguments: [documentID]
            )
        }
        #expect(state?["state"] == DeliveryState.sent.rawValue)
        #expect(state?["receipt"] == "2027-01-25/\(documentID).pdf")
        let batcher = PrintBatcher(printDirectory: printDirectory)
        #expect(try batcher.documents(on: Self.day).map(\.lastPathComponent) == ["\(documentID).pdf"])
        #expect(try batcher.documents(on: Self.day.adding(days: 1)).isEmpty, "a second copy in the next day's batch")
    }
}
