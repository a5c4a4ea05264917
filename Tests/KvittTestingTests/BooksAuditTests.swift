import Foundation
import KvittContracts
import Testing

@testable import KvittTesting

/// The audit every end-to-end test and the fault-injection run rely on: it must find each kind of disagreement, one
/// at a time, and nothing in books that agree.
@Suite("BooksAudit finds every disagreement between the services' books")
struct BooksAuditTests {
    static func decode<Value: Decodable>(_ type: Value.Type, _ json: String) throws -> Value {
        try MessageCoding.makeDecoder().decode(Value.self, from: Data(json.utf8))
    }

    /// One issued invoice of 1 000 kr with 400 kr paid by one payment, as all three services show it.
    static func balanced() throws -> BooksAudit.Snapshot {
        let sek = { (amount: Int) in #"{"amount": \#(amount), "currency": "SEK"}"# }
        let invoice = try decode(
            BooksAudit.Invoice.self,
            """
            {"id": "inv-1", "creditorID": "c", "externalID": "e-1", "kind": "debit", "status": "issued",
             "colour": "green", "number": "1001", "ocr": "10017", "invoiceDate": "2026-03-02",
             "dueDate": "2026-04-01", "amountDue": \(sek(100_000)), "credited": \(sek(0)),
             "creditApplied": \(sek(0)), "fees": \(sek(0)), "paid": \(sek(40_000)), "balance": \(sek(60_000))}
            """
        )
        let receivable = try decode(
            BooksAudit.Receivable.self,
            """
            {"invoiceID": "inv-1", "creditorID": "c", "invoiceNumber": "1001", "ocr": "10017",
             "amountDue": \(sek(100_000)), "adjustments": \(sek(0)), "paid": \(sek(40_000)),
             "balance": \(sek(60_000)), "dueDate": "2026-04-01"}
            """
        )
        let payment = try decode(
            BooksAudit.Payment.self,
            """
            {"id": "p-1", "source": "swish", "sourceID": "S-1", "amount": \(sek(40_000)), "unapplied": \(sek(0)),
             "paymentDate": "2026-03-20", "status": "matched",
             "allocations": [{"invoiceID": "inv-1", "amount": \(sek(40_000)), "matchedBy": "ocr"}]}
            """
        )
        let collectionCase = try decode(
            BooksAudit.CollectionCase.self,
            """
            {"invoiceID": "inv-1", "invoiceNumber": "1001", "creditorID": "c", "dueDate": "2026-04-01",
             "status": "open", "capital": \(sek(100_000)), "fees": \(sek(0)), "interest": \(sek(0)),
             "paid": \(sek(40_000)), "outstanding": \(sek(60_000)), "history": []}
            """
        )
        return BooksAudit.Snapshot(
            creditorID: "c",
            invoices: [invoice],
            receivables: [receivable],
            payments: [payment],
            unmatchedPaymentIDs: [],
            overpaidPaymentIDs: [],
            cases: [collectionCase]
        )
    }

    @Test func booksThatAgreeHaveNoViolations() throws {
        #expect(try Self.balanced().violations() == [])
    }

    @Test(arguments: [
        "invoicing's balance", "payment-matching's balance", "debt-collection's outstanding", "allocated to it",
        "registered 2 times", "missing from the unmatched list", "closed in invoicing",
    ])
    func eachDisagreementIsReported(_ expected: String) throws {
        var books = try Self.balanced()
        let kr = { (amount: Int64) in Money(minorUnits: amount, .sek) }
        switch expected {
        case "invoicing's balance": books.invoices[0].balance = kr(50_000)
        case "payment-matching's balance": books.receivables[0].balance = kr(70_000)
        case "debt-collection's outstanding": books.cases[0].outstanding = kr(0)
        case "allocated to it": books.payments[0].allocations[0].amount = kr(30_000)
        case "registered 2 times":
            var twin = books.payments[0]
            twin.id = "p-2"
            twin.allocations = []
            twin.unapplied = twin.amount
            twin.status = "unmatched"
            books.payments.append(twin)
            books.unmatchedPaymentIDs = ["p-2"]
        case "missing from the unmatched list":
            books.payments[0].status = "unmatched"
            books.payments[0].allocations = []
            books.payments[0].unapplied = books.payments[0].amount
        case "closed in invoicing":
            books.invoices[0].status = "closed"
        default: Issue.record("no case for \(expected)")
        }
        let violations = books.violations()
        #expect(violations.contains { $0.contains(expected) }, "\(violations)")
    }
}
