import Foundation
import GRDB
import KvittContracts

/// An invoice as the read API shows it: the current state, the amounts, the colour and the full history.
struct InvoiceView: Codable, Sendable {
    var id: String
    var creditorID: String
    var externalID: String
    var kind: String
    var status: String
    var colour: StatusColour
    var number: String?
    var ocr: String?
    var invoiceDate: CalendarDate
    var dueDate: CalendarDate
    var debtor: Debtor
    var lines: [PricedLine]
    var totals: InvoiceTotals
    var taxReduction: TaxReductionView?
    var amountDue: Money
    var credited: Money
    var creditApplied: Money
    /// Fees and interest from debt-collection.
    var fees: Money
    var paid: Money
    var balance: Money
    var paymentMeans: InvoiceIssued.PaymentMeans?
    var originalInvoiceID: String?
    var closedAt: Date?
    var history: [HistoryEntry]?

    struct TaxReductionView: Codable, Sendable {
        var state: String
        var amount: Money
        var detail: String?
        var request: TaxReductionDetail
    }

    init(_ record: InvoiceRecord, warningWindowDays: Int, today: CalendarDate, history: [InvoiceHistoryRecord]?) throws
    {
        let created = try record.createdEvent
        let issued = try record.issuedEvent
        id = record.id
        creditorID = record.creditorID
        externalID = record.externalID
        kind = record.kind
        status = record.status.rawValue
        colour = StatusColour.of(
            dueDate: created.dueDate,
            balance: record.balance,
            issued: record.status != .draft,
            today: today,
            warningWindowDays: warningWindowDays
        )
        number = record.number
        ocr = record.ocr
        invoiceDate = created.invoiceDate
        dueDate = created.dueDate
        debtor = created.debtor
        lines = created.lines
        totals = created.totals
        taxReduction = created.taxReduction.map {
            TaxReductionView(
                state: record.reductionState.rawValue,
                amount: record.money(record.reductionAmount),
                detail: record.reductionDetail,
                request: $0
            )
        }
        amountDue = record.money(record.amountDue)
        credited = record.money(record.credited)
        creditApplied = record.money(record.creditApplied)
        fees = record.money(record.fees)
        paid = record.money(record.paid)
        balance = record.money(record.balance)
        paymentMeans = issued?.paymentMeans
        originalInvoiceID = record.originalInvoiceID
        closedAt = record.closedAt.map { Date(timeIntervalSince1970: $0) }
        self.history = history?.map {
            let at = Date(timeIntervalSince1970: $0.at)
            return HistoryEntry(
                date: CalendarDate.today(at: at),
                event: $0.event,
                detail: $0.detail,
                at: at,
                messageID: $0.messageID,
                messageType: $0.messageType
            )
        }
    }
}
