/// The OCR reference check a payee has agreed with Bankgirot ("Avtal om OCR-referenskontroll"), which the payers'
/// internet banks enforce.
///
/// Rules (docs/domain.md §1.3; Bankgirot's OCR-referenskontroll page and its validator `mjukkontroll`,
/// `hardkontroll`, `langdsiffra`, `fastlangd`): every level checks the Luhn check digit; they differ in what
/// happens when it is wrong and in what else is checked.
public enum OCRControlLevel: Hashable, Sendable {
    /// Mjuk kontroll: the check digit is checked, but a payer with a wrong one is only warned and can still pay.
    case soft
    /// Hård kontroll: a reference with a wrong check digit is refused.
    case hard
    /// Variabel längd: as ``hard``, and the second-to-last digit must be the total length mod 10.
    case variableLength
    /// Fast längd: as ``hard``, and the length must be one of one or two agreed lengths (each 2–25). No length
    /// digit.
    case fixedLength(Int, or: Int? = nil)

    /// Whether the payers' banks refuse a reference that fails the check, rather than warn and accept it.
    public var rejectsInvalidReferences: Bool { self != .soft }

    /// The agreed lengths of ``fixedLength(_:or:)`` in ascending order; empty for the other levels.
    var fixedLengths: [Int] {
        guard case .fixedLength(let first, let second) = self else { return [] }
        return Array(Set([first] + (second.map { [$0] } ?? []))).sorted()
    }
}
