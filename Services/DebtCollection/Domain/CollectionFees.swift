import KvittContracts

/// The fees of the collection ladder and the rules for when each may be charged. What the platform charges the
/// creditor (långtidsbevakning among it) is invoicing's price list, docs/prices.md.
///
/// Statutory maximums (docs/domain.md §7.1, lag (1981:739) om ersättning för inkassokostnader m.m., amounts since
/// 2013-03-16): påminnelse 60 kr, inkassokrav 180 kr, amorteringsplan 170 kr, förseningsersättning 450 kr (B2B);
/// Kronofogden's application fee 300 kr. A contract cannot make the debtor liable for more than the law allows
/// (6 §). All amounts are SEK; the ladder charges them on SEK claims.
enum CollectionFees {
    /// One kind of fee.
    enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// Betalningspåminnelse (§7.1): at most 60 kr, and only if agreed with the debtor no later than when the
        /// debt arose (2 §) and the reminder was reasonably called for (4 §). Whether more than one may be charged
        /// per debt is unsettled (§9); the ladder sends one.
        case reminder
        /// Inkassokrav (§7.1): at most 180 kr for a demand formed as 5 § inkassolagen requires and sent or handed
        /// to the debtor (3 § 1).
        case collectionLetter
        /// Förseningsersättning (§7.1, 4 a §): 450 kr from a business (or authority) debtor to a business creditor,
        /// owed by law as soon as dröjsmålsränta runs, with no agreement needed. Charged once per debt, on the first
        /// step that charges anything; the 2–3 §§ fees are then owed only beyond it (5 §), which they never reach.
        case latePaymentCompensation
        /// Amorteringsplan (§7.1): at most 170 kr for a written, complete plan for the remaining debt made with the
        /// debtor and sent or handed over (3 § 2).
        case installmentPlan
        /// Kronofogden's fee for an application for betalningsföreläggande (§7.1): 300 kr, paid by the applicant,
        /// also when the application is withdrawn, and claimed back from the debtor in the application.
        case kronofogdenApplication

        /// The amount in SEK.
        var amount: Money {
            switch self {
            case .reminder: CollectionFees.reminder
            case .collectionLetter: CollectionFees.collectionLetter
            case .latePaymentCompensation: CollectionFees.latePaymentCompensation
            case .installmentPlan: CollectionFees.installmentPlan
            case .kronofogdenApplication: CollectionFees.kronofogdenApplication
            }
        }

        /// The fees of 2–3 §§ (reminder, inkassokrav, installment plan), which a business debtor owes only beyond the
        /// förseningsersättning (5 §).
        var isCoveredByLatePaymentCompensation: Bool {
            self == .reminder || self == .collectionLetter || self == .installmentPlan
        }

        /// The `kind` of a fee in `debt-collection.fees-charged.v1`.
        var wireName: String {
            switch self {
            case .reminder: "reminder"
            case .collectionLetter: "collection-letter"
            case .latePaymentCompensation: "late-payment-compensation"
            case .installmentPlan: "installment-plan"
            case .kronofogdenApplication: "kronofogden-application"
            }
        }

        /// The provision that entitles the creditor to the fee, as letters and the application to Kronofogden cite it.
        var legalBasis: String {
            switch self {
            case .reminder: "lag (1981:739) om ersättning för inkassokostnader m.m. 2 § och 4 § andra stycket 1"
            case .collectionLetter:
                "lag (1981:739) om ersättning för inkassokostnader m.m. 3 § 1 och 4 § andra stycket 2"
            case .latePaymentCompensation: "lag (1981:739) om ersättning för inkassokostnader m.m. 4 a §"
            case .installmentPlan:
                "lag (1981:739) om ersättning för inkassokostnader m.m. 3 § 2 och 4 § andra stycket 3"
            case .kronofogdenApplication: "förordning (1992:1094) om avgifter vid Kronofogdemyndigheten 7 §"
            }
        }

        /// The Swedish name used on letters and in an application to Kronofogden.
        var swedishName: String {
            switch self {
            case .reminder: "Påminnelseavgift"
            case .collectionLetter: "Inkassoavgift"
            case .latePaymentCompensation: "Förseningsersättning"
            case .installmentPlan: "Avgift för amorteringsplan"
            case .kronofogdenApplication: "Ansökningsavgift Kronofogden"
            }
        }
    }

    /// Betalningspåminnelse, 60 kr (§7.1).
    static let reminder = sek(60)
    /// Inkassokrav, 180 kr (§7.1).
    static let collectionLetter = sek(180)
    /// Förseningsersättning for a business debtor, 450 kr, instead of the inkasso fee (§7.1).
    static let latePaymentCompensation = sek(450)
    /// Amorteringsplan, 170 kr (§7.1).
    static let installmentPlan = sek(170)
    /// Kronofogden's application fee for betalningsföreläggande, 300 kr (§7.1).
    static let kronofogdenApplication = sek(300)

    /// The reminder fee when the creditor agreed it with the debtor no later than when the debt arose; `nil`
    /// otherwise, and then the reminder goes out without a fee (§7.1, lag 1981:739 2 §).
    static func reminderFee(agreed: Bool) -> Money? { agreed ? reminder : nil }

    /// The fee of an inkassokrav before the 5 § offset: the 180 kr inkasso fee from a consumer, the 450 kr
    /// förseningsersättning from a business debtor (§7.1). The case charges förseningsersättning once; a step after it
    /// charges no 2–3 §§ fee.
    static func collectionLetterFee(debtor: DebtorKind) -> Kind {
        debtor == .business ? .latePaymentCompensation : .collectionLetter
    }

    private static func sek(_ kronor: Int64) -> Money { Money(minorUnits: kronor * 100, .sek) }
}
