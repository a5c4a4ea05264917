import KvittContracts

/// A payment as matching sees it, whatever its source.
struct IncomingPayment: Sendable {
    var source: String
    var sourceID: String
    var amount: Money
    var paymentDate: CalendarDate
    /// OCR references the bank vouches for (BgMax reference code 2 or 4, and code-2 extra references), in order.
    var trustedReferences: [String]
    /// Text that may contain an OCR or invoice number: other references, information texts, Swish messages.
    var freeTexts: [String]
    /// The reference as shown to people.
    var displayReference: String?
    var message: String?
    var payer: RegisterPayment.Payer?
    var creditorID: String?
    /// Digits only.
    var payeeBankgiro: String?
    /// A manual registration names the invoice.
    var invoiceID: String?
    /// A BgMax deduction (TK21): the payer deducted this amount.
    var isDeduction = false
    /// The creditor behind `payeeBankgiro`, when the caller already looked it up (once per deposit): `.some(nil)`
    /// when no receivable names that bankgiro, `nil` when not looked up. Not stored.
    var receivingCreditorID: String??
}
