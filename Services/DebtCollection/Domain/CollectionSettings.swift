/// A creditor's collection settings: when the automatic reminder and inkassokrav go out, and what may be charged.
///
/// Days count from the invoice's due date, which never changes (a postponement moves only the next event, Billecta's
/// FAQ "flytta fram nästa automatiska händelse"). No statutory minimum wait before a påminnelse or an inkassokrav was
/// found (docs/domain.md §7.2: a reminder is not required; the claim only needs to be due and the debtor aware).
struct CollectionSettings: Sendable, Equatable {
    /// The fewest days an inkassokrav gives the debtor to pay: IMY's general advice, "not shorter than 8 days from
    /// the day it is sent" (docs/domain.md §7.2).
    static let minimumCollectionLetterPaymentDays = 8
    /// The bank days the debtor should have after presumed receipt of an inkassokrav (§7.2).
    static let minimumBankDaysAfterReceipt = 4
    /// The most days after the due date a creditor may set for either step: two years, invoicing's own limit for
    /// automatic collection. The settings arrive in a message, and every later date is counted from them.
    static let maximumDaysAfterDue = 730

    /// Days after the due date for the automatic påminnelse; `nil` sends none.
    let reminderDaysAfterDue: Int?
    /// Days after the due date for sending the claim to collection (the inkassokrav) automatically; `nil` means
    /// manual only ("Skicka till kravhantering").
    let collectionDaysAfterDue: Int?
    /// Whether the reminder fee was agreed with the debtor no later than when the debt arose (§7.1); without it the
    /// reminder carries no fee.
    let reminderFeeAgreed: Bool
    /// The days to pay that the creditor wants an inkassokrav to give; never fewer than
    /// ``minimumCollectionLetterPaymentDays`` are used.
    let collectionLetterPaymentDays: Int
    /// Bank days from sending a letter until the debtor is presumed to have it. Not in docs/domain.md, which
    /// only says "presumed receipt" and to extend for B-post or long weekends (§7.2); 2 matches ordinary post today.
    let presumedDeliveryBankDays: Int

    /// Validates the settings: days after the due date are 1 through ``maximumDaysAfterDue``, the reminder comes
    /// before automatic collection, and the delivery time is not negative.
    init(
        reminderDaysAfterDue: Int?,
        collectionDaysAfterDue: Int?,
        reminderFeeAgreed: Bool,
        collectionLetterPaymentDays: Int = minimumCollectionLetterPaymentDays,
        presumedDeliveryBankDays: Int = 2
    ) throws(DebtCollectionError) {
        if let reminder = reminderDaysAfterDue, reminder < 1 {
            throw .invalidSettings("the reminder goes out at least 1 day after the due date, got \(reminder)")
        }
        if let collection = collectionDaysAfterDue, collection < 1 {
            throw .invalidSettings("collection starts at least 1 day after the due date, got \(collection)")
        }
        for days in [reminderDaysAfterDue, collectionDaysAfterDue].compactMap({ $0 })
        where days > Self.maximumDaysAfterDue {
            throw .invalidSettings("days after the due date are at most \(Self.maximumDaysAfterDue), got \(days)")
        }
        if let reminder = reminderDaysAfterDue, let collection = collectionDaysAfterDue, reminder >= collection {
            throw .invalidSettings(
                "the reminder (\(reminder) days) must come before automatic collection (\(collection) days)"
            )
        }
        guard presumedDeliveryBankDays >= 0 else {
            throw .invalidSettings("the presumed delivery time must not be negative")
        }
        self.reminderDaysAfterDue = reminderDaysAfterDue
        self.collectionDaysAfterDue = collectionDaysAfterDue
        self.reminderFeeAgreed = reminderFeeAgreed
        self.collectionLetterPaymentDays = collectionLetterPaymentDays
        self.presumedDeliveryBankDays = presumedDeliveryBankDays
    }
}

extension CollectionSettings {
    /// Manual collection only: no automatic reminder or inkassokrav, no reminder fee. What a creditor gets whose
    /// settings are missing or refused.
    static let manual = CollectionSettings()

    /// The manual settings: with no automatic step there is nothing to validate, so no `try!` is needed.
    private init() {
        reminderDaysAfterDue = nil
        collectionDaysAfterDue = nil
        reminderFeeAgreed = false
        collectionLetterPaymentDays = Self.minimumCollectionLetterPaymentDays
        presumedDeliveryBankDays = 2
    }
}
