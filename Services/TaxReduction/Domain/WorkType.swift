/// A type of work as Skatteverket's schema V6 names it: the children of `ArendeUtfortArbeteRotTYPE` and
/// `ArendeUtfortArbeteRutTYPE` in BegaranCOMPONENT.xsd that carry hours and material (`TimmarMaterialTYPE`).
///
/// The raw value is the element name, so `WorkType(rawValue: "Stadning")` reads the names invoicing stores. The cases
/// are declared in the schema's sequence order, which is the order they must appear in inside `UtfortArbete`.
enum WorkType: String, Sendable, Equatable, CaseIterable {
    // ROT (ArendeUtfortArbeteRotTYPE).
    /// Construction work (bygg).
    case bygg = "Bygg"
    /// Electrical work (el).
    case el = "El"
    /// Glass and sheet-metal work (glas- och plåtarbete).
    case glasPlatarbete = "GlasPlatarbete"
    /// Ground and drainage work (mark- och dräneringsarbete).
    case markDraneringarbete = "MarkDraneringarbete"
    /// Masonry (murning).
    case murning = "Murning"
    /// Painting and wallpapering (målning och tapetsering).
    case malningTapetsering = "MalningTapetsering"
    /// Plumbing, heating and ventilation (VVS).
    case vvs = "Vvs"

    // RUT (ArendeUtfortArbeteRutTYPE).
    /// Cleaning (städning).
    case stadning = "Stadning"
    /// Clothes and textile care (kläd- och textilvård).
    case kladOchTextilvard = "KladOchTextilvard"
    /// Snow clearing (snöskottning).
    case snoskottning = "Snoskottning"
    /// Gardening (trädgårdsarbete).
    case tradgardsarbete = "Tradgardsarbete"
    /// Childcare (barnpassning).
    case barnpassning = "Barnpassning"
    /// Personal care (personlig omsorg).
    case personligomsorg = "Personligomsorg"
    /// Moving services (flyttjänster).
    case flyttjanster = "Flyttjanster"
    /// IT services (IT-tjänster).
    case itTjanster = "ItTjanster"
    /// Repair of white goods (reparation av vitvaror).
    case reparationAvVitvaror = "ReparationAvVitvaror"
    /// Furnishing (möblering), from 2021.
    case moblering = "Moblering"
    /// Looking after a home (tillsyn av bostad), from 2021.
    case tillsynAvBostad = "TillsynAvBostad"

    /// The reduction this work qualifies for.
    var kind: ClaimKind {
        switch self {
        case .bygg, .el, .glasPlatarbete, .markDraneringarbete, .murning, .malningTapetsering, .vvs: .rot
        default: .rut
        }
    }
}

/// A RUT service that Skatteverket reimburses at a flat rate (schablon) and that the file reports only as done
/// (`SchablonarbeteTYPE`, `<Utfort>true</Utfort>`), without hours or material. Added to the schema for 2021.
enum FlatRateService: String, Sendable, Equatable, CaseIterable {
    /// Transport of goods to a second-hand sale (transport till försäljning).
    case transportTillForsaljning = "TransportTillForsaljning"
    /// Laundry at a laundry facility (tvätt vid tvättinrättning).
    case tvattVidTvattinrattning = "TvattVidTvattinrattning"
}
