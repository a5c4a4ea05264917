import KvittContracts

/// Gives an issued invoice its OCR reference from its number, as the creditor's bankgiro agreement requires.
enum InvoiceNumbering {
    /// The OCR reference for an invoice number: the number's digits, a length digit when the level needs one, then
    /// the Luhn check digit; for a fixed length the number is left-padded with zeros to fit the shortest agreed length.
    static func ocr(for number: Int64, level: OCRControlLevel) throws(IdentifierError) -> OCRReference {
        try OCRReference.make(from: String(number), for: level)
    }
}
