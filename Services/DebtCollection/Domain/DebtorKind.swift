/// Whether the debtor is a consumer (a private person buying for private use) or a business.
///
/// It decides the preskription period (docs/domain.md §7.4: three years for a business's claim on a consumer,
/// otherwise ten) and whether the B2B förseningsersättning of 450 kr may replace the inkasso fee (§7.1).
enum DebtorKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// A private person; the goods or services were mainly for private use.
    case consumer
    /// A company, association or authority, or a person buying for a business.
    case business
}
