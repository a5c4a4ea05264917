import Foundation
import GRDB
import KvittContracts
import KvittTesting
import Testing

@testable import PaymentMatching

/// The payments list and report read every payment's allocations and candidates in one statement each, and show
/// each payment exactly as reading it alone does.
@Suite("Payment lists in three statements")
struct PaymentListQueryTests {
    typealias H = PaymentMatchingHarness
    typealias M = MatchingSemanticsTests

    /// Matched, split over two invoices, overpaid, and unmatched with candidates: every shape a listed payment has.
    func harnessWithPayments() async throws -> H {
        let harness = try await M().harness()
        let swish = { (id: String, amount: Int64, message: String, from: String) in
            M().swish(id, amount, message, from: from)
        }
        // Anna pays 2028 by OCR, and overpays 2031 by OCR.
        try await harness.send(swish("l-1", 30_000, "OCR \(M.ocr(2028))", "070-123 45 67"))
        try await harness.send(swish("l-2", 90_000, "OCR \(M.ocr(2031))", "070-123 45 67"))
        // Unknown payers naming invoices whose amounts differ: unmatched, with candidates.
        try await harness.send(swish("l-3", 70_000, "Betalt faktura 2031 och 2026", "0709999999"))
        try await harness.send(swish("l-4", 12_300, "faktura 2029", "0708888888"))
        // A bank file payment split over 2027 and 2030 by its extra references.
        let file = BgMaxRecords.file(
            bankgiro: "50501055",
            [
                BgMaxRecords.payment(reference: "2027 2030", amount: 250_000, code: 3, serial: "9"),
                BgMaxRecords.extraReference(M.ocr(2027), amount: 150_000, serial: "9"),
                BgMaxRecords.extraReference(M.ocr(2030), amount: 100_000, serial: "9"),
            ]
        )
        try await harness.send(ImportBankgiroFile(latin1: BgMaxRecords.latin1(file)))
        return harness
    }

    @Test func eachPaymentInTheListIsAsItIsAlone() async throws {
        let harness = try await harnessWithPayments()
        let all: [PaymentRecord.Status] = [.unmatched, .matched, .overpaid, .removed]
        let listed = try await harness.harness.store.writer.read { db in
            try PaymentQueries.views(PaymentQueries.having(all), db)
        }
        #expect(listed.count == 5)
        #expect(Set(listed.map(\.status)) == ["matched", "overpaid", "unmatched"])
        #expect(listed.contains { $0.allocations.count == 2 }, "the split payment")
        #expect(listed.filter { !$0.candidates.isEmpty }.count >= 2, "the unmatched ones list candidates")
        let alone = try await harness.harness.store.writer.read { db in
            try listed.flatMap { try PaymentQueries.views(PaymentQueries.payment($0.id), db) }
        }
        #expect(listed == alone)
        // The report and the open list are the same payments, shown the same.
        let queries = PaymentQueries(writer: harness.harness.store.writer)
        let day = CalendarDate("2026-03-20")!
        #expect(try await queries.report(from: day, to: day) == listed)
        let open = try await queries.payments(status: [.unmatched, .overpaid], page: PageRequest()).items
        #expect(open == listed.filter { $0.status == "unmatched" || $0.status == "overpaid" })
        let unmatched = try #require(listed.first { $0.sourceID == "l-3" })
        #expect(unmatched.candidates.map(\.invoiceNumber) == ["2026", "2031"])
        #expect(unmatched.allocations.isEmpty)
    }

    @Test func theListIsThreeStatementsHoweverManyPayments() async throws {
        let harness = try await harnessWithPayments()
        let statements = try await harness.harness.store.writer.read { db -> [String] in
            var executed: [String] = []
            db.trace(options: .statement) { executed.append("\($0)") }
            defer { db.trace(options: .statement, nil) }
            let views = try PaymentQueries.views(
                PaymentQueries.having([.unmatched, .matched, .overpaid, .removed]),
                db
            )
            #expect(views.count == 5)
            return executed
        }
        #expect(statements.count == 3, "\(statements)")
    }
}
