import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

/// The books audit reads every case debt-collection has, not only the first answer of `GET /v1/cases`.
@Suite("BooksAudit reads debt-collection's cases to the last page")
struct BooksAuditPagingTests {
    /// A case that waits (no next step: inserted without scheduling), so that the scheduler leaves it alone.
    static func waitingCase(_ index: Int, status: String) -> CollectionCase {
        var record = CollectionCase(
            opening: CollectionBench.issued(String(format: "inv-%05d", index), amount: 100_000)
        )
        record.status = status
        if status == "closed" { record.paid = record.amountDue }
        return record
    }

    @Test func everyCaseIsReadPageByPageAndAFullLastPageEndsTheReading() async throws {
        let collection = try await InProcessService.start(
            DebtCollectionService.definition(schedulerInterval: .milliseconds(100)),
            logger: TestBroker.logger("books-audit-paging")
        )
        // One more open case than debt-collection lists unasked: the audit read only those first 500 before.
        let open = 501
        try await collection.store.writer.write { db in
            for index in 0..<open { try Self.waitingCase(index, status: "open").insert(db) }
            for index in open..<(open + 4) { try Self.waitingCase(index, status: "closed").insert(db) }
        }

        let openCases = try await BooksAudit.cases(port: collection.port, status: "open")
        #expect(openCases.count == open)
        // In pages of 100: five full ones and one of a single case.
        let paged = try await BooksAudit.cases(port: collection.port, status: "open", pageSize: 100)
        #expect(paged.map(\.invoiceID) == (0..<open).map { String(format: "inv-%05d", $0) }, "each case once, in order")
        // Four closed cases in pages of two: the second page is full, so a third (empty) one ends the reading.
        let closedCases = try await BooksAudit.cases(port: collection.port, status: "closed", pageSize: 2)
        #expect(closedCases.map(\.invoiceID) == (open..<(open + 4)).map { String(format: "inv-%05d", $0) })
        #expect(closedCases.allSatisfy { $0.status == "closed" && $0.outstanding.isZero })

        try await collection.stop()
    }
}
