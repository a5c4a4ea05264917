/// What the reference of a payment or extra reference record is (referenskod, position 56).
///
/// Meanings per docs/domain.md §2.4, from parsers that quote Bankgirot's technical manual. Only ``ocr`` and
/// ``extendedFormCorrect`` are references Bankgirot has checked; treat the others as unmatched. On the wire the code
/// is the digit of the file.
public enum BgMaxReferenceCode: Int, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 0: the reference field is blank. Also used with utökad blankettregistrering, whose references then come as
    /// extra reference records.
    case blank = 0
    /// 1: no reference (the payee has no agreement on blankettregistrering).
    case noReference = 1
    /// 2: a correct OCR reference under the payee's OCR-referenskontroll agreement.
    case ocr = 2
    /// 3: one or more references that Bankgirot has not verified. One reference: it is wrong, or the bankgiro has no
    /// OCR agreement. Several: the correct ones are also reported as extra references with code 2.
    case unverified = 3
    /// 4: a correct reference under utökad blankettregistrering (also without an agreed reference check).
    case extendedFormCorrect = 4
    /// 5: an incorrect reference under utökad blankettregistrering.
    case extendedFormIncorrect = 5

    /// Whether Bankgirot has checked the reference, so that it can be matched automatically (codes 2 and 4).
    public var isVerified: Bool { self == .ocr || self == .extendedFormCorrect }

    public var description: String {
        switch self {
        case .blank: "blank"
        case .noReference: "no reference"
        case .ocr: "correct OCR"
        case .unverified: "unverified"
        case .extendedFormCorrect: "correct, extended form registration"
        case .extendedFormIncorrect: "incorrect, extended form registration"
        }
    }
}

/// How a payment reached Bankgirot (betalningskanalkod, position 57). On the wire the digit of the file.
public enum BgMaxPaymentChannel: Int, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 1: an electronic payment from a bank (internet bank).
    case electronicBank = 1
    /// 2: an electronic payment from Leverantörsbetalningar (LB), a company's supplier payments.
    case supplierPayments = 2
    /// 3: a paper slip (blankettbetalning).
    case paperSlip = 3
    /// 4: an electronic payment from Autogiro (AG).
    case autogiro = 4

    public var description: String {
        switch self {
        case .electronicBank: "bank"
        case .supplierPayments: "supplier payments (LB)"
        case .paperSlip: "paper slip"
        case .autogiro: "Autogiro"
        }
    }
}

/// Whether Bankgirot has an image of the payment slip (avibildmarkering, position 70). On the wire the digit.
public enum BgMaxImageMarker: Int, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 0: no image (an electronic payment or an OCR slip).
    case noImage = 0
    /// 1: an image exists (girering or inbetalningsavi), delivered in the image file.
    case image = 1

    public var description: String { self == .image ? "image" : "no image" }
}

/// What a deduction leaves owing (avdragskod, TK21 position 71). On the wire the digit.
///
/// Sources conflict on the numbering (docs/domain.md §2.4): a parser quoting the manual has 0/1/2, others 0/1/3
/// or 1/2/3; Bankgirot's own sample uses 0. Kvitt follows 0/1/2 and accepts 3 without giving it a meaning.
public enum BgMaxDeductionCode: Int, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 0: a full deduction, nothing remains.
    case full = 0
    /// 1: a partial deduction, a remainder exists.
    case partial = 1
    /// 2: the final deduction after partial ones, nothing remains.
    case finalAfterPartial = 2
    /// 3: used by some parsers for the final deduction; its meaning is not confirmed.
    case unconfirmedThree = 3

    public var description: String {
        switch self {
        case .full: "full deduction"
        case .partial: "partial deduction, remainder exists"
        case .finalAfterPartial: "final deduction after partial ones"
        case .unconfirmedThree: "deduction code 3"
        }
    }
}
