import KvittContracts

/// Everything one document shows, taken when the event that decided it was handled: the amounts are the ones that
/// event (and the fees-charged events before it) carried, never recomputed, so the letter matches what was charged.
struct LetterData: Codable, Sendable, Equatable {
    var kind: DocumentKind
    var language: DocumentLanguage
    /// The day the document is dated: the invoice date, or the day of the collection step.
    var documentDate: CalendarDate
    var creditor: Creditor
    /// The debtor, as the invoice gave them.
    var debtor: Debtor
    var invoiceNumber: String
    var ocr: String
    var invoiceDate: CalendarDate
    var dueDate: CalendarDate
    /// The date by which a letter must be paid.
    var payBy: CalendarDate?
    var currency: String
    /// Invoice lines (invoices only).
    var lines: [PricedLine] = []
    var totals: InvoiceTotals?
    var taxReduction: Money?
    /// What the invoice asked the debtor to pay: the claim's capital.
    var amountDue: Money
    /// Every fee charged on the claim up to this document, in order, with its legal basis.
    var fees: [FeesCharged.Fee] = []
    /// Late-payment interest charged up to this document.
    var interest: Money?
    /// What the debtor owes after the step, as debt-collection published it.
    var outstanding: Money?
    var paymentMeans: InvoiceIssued.PaymentMeans
    /// The collection step's own words, or the application as JSON.
    var detail: String?

    /// The creditor, as registered with invoicing.
    struct Creditor: Codable, Sendable, Equatable {
        var name: String
        var organisationNumber: String
        var bankgiro: String
    }
}

/// The language of a document: Swedish for Swedish debtors, English for the others.
enum DocumentLanguage: String, Codable, Sendable {
    case swedish = "sv"
    case english = "en"

    init(for debtor: Debtor) {
        self = debtor.isDomestic ? .swedish : .english
    }
}
