import KvittContracts

/// A payment as matching sees it, whatever its source.
struct IncomingPayment: Sendable {
    var source: String
    var sourceID: String
    var amount: Money
    var paymentDate: CalendarDate
    /// The references of the payment's reference fields, in order: the OCR reference the payer gave (BgMax
    /// reference code 2 or 4, or a reference with a valid check digit), then each BgMax extra reference (TK22, and
    /// TK23 negative) with its amount.
    var structuredReferences: [StructuredReference]
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

    /// A reference from a reference field.
    struct StructuredReference: Sendable, Equatable {
        var text: String
        /// The amount the file states for it; `nil` when it states none (the main reference, or an extra reference
        /// of 0, which Bankgirot's own samples carry and which leaves the split to the receiver).
        var amount: Int64?
        /// A TK23 record: a credit invoice the payer deducts.
        var isNegative = false
        /// `ocr` for the reference field, `extra-reference` for a TK22/TK23 record. Only references Bankgirot
        /// verified (reference code 2 or 4) or whose check digit is valid are structured; the rest are free text.
        var method: PaymentMatchMethod
    }

    var identity: PayerIdentity { PayerIdentity(payer) }
}
