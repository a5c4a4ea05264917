/// Which tax reduction a payout request (begäran om utbetalning) asks for. One file holds one kind only: Skatteverket
/// does not let ROT and RUT mix (docs/domain.md §5.5–5.6).
enum ClaimKind: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Repairs, conversion and extension of the buyer's home (rotarbete).
    case rot
    /// Household services (rutarbete); Skatteverket's schema calls these "hushållsarbete".
    case rut

    /// The schema element that holds this kind's ärenden: `RotBegaran` or `HushallBegaran`.
    var requestElement: String {
        switch self {
        case .rot: "RotBegaran"
        case .rut: "HushallBegaran"
        }
    }

    var description: String {
        switch self {
        case .rot: "ROT"
        case .rut: "RUT"
        }
    }
}
