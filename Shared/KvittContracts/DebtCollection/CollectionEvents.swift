/// A step of the collection ladder happened: reminder, collection letter, surveillance letter, decision request,
/// application, postponement, installment plan.
public struct CollectionStepTaken: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.collection-step-taken.v1"
    public var invoiceID: String
    /// `reminder-sent`, `collection-letter-sent`, `creditor-decision-requested`, `enforcement-application-prepared`,
    /// `installment-plan-created`, `surveillance-letter-sent`, `next-event-postponed`.
    public var step: String
    public var on: CalendarDate
    /// For letters: the date by which the debtor must pay.
    public var payBy: CalendarDate?
    /// What the debtor owes after the step: capital, fees and interest less payments.
    public var outstanding: Money
    /// Human-readable detail (the application's grounds, the installments).
    public var detail: String?
    public init(
        invoiceID: String,
        step: String,
        on: CalendarDate,
        payBy: CalendarDate? = nil,
        outstanding: Money,
        detail: String? = nil
    ) {
        self.invoiceID = invoiceID
        self.step = step
        self.on = on
        self.payBy = payBy
        self.outstanding = outstanding
        self.detail = detail
    }
}

/// Fees and interest were added to a claim, so that every service sees the same balance.
public struct FeesCharged: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.fees-charged.v1"
    public var invoiceID: String
    public var fees: [Fee]
    /// Late-payment interest added now (reference rate + 8 percentage points).
    public var interest: Money
    /// Fees plus interest: how much the amount due went up.
    public var total: Money
    public init(invoiceID: String, fees: [Fee], interest: Money, total: Money) {
        self.invoiceID = invoiceID
        self.fees = fees
        self.interest = interest
        self.total = total
    }

    public struct Fee: Codable, Sendable, Equatable {
        /// `reminder`, `collection-letter`, `installment-plan`, `kronofogden-application`, `late-payment-compensation`.
        public var kind: String
        public var amount: Money
        public init(kind: String, amount: Money) {
            self.kind = kind
            self.amount = amount
        }
    }
}

/// The creditor's quarterly platform fee for a case under long-term surveillance (charged to the creditor).
public struct PlatformFeeCharged: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.platform-fee-charged.v1"
    public var invoiceID: String
    public var creditorID: String
    public var amount: Money
    public var quarterStarting: CalendarDate
    public init(invoiceID: String, creditorID: String, amount: Money, quarterStarting: CalendarDate) {
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.amount = amount
        self.quarterStarting = quarterStarting
    }
}

/// A collection case ended: paid, credited, or recalled.
public struct CaseClosed: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.case-closed.v1"
    public var invoiceID: String
    /// `paid` or `recalled`.
    public var reason: String
    public init(invoiceID: String, reason: String) {
        self.invoiceID = invoiceID
        self.reason = reason
    }
}

/// Debt-collection refused a well-formed command; nothing changed.
public struct DebtCollectionCommandRejected: CommandRejectedMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.command-rejected.v1"
    public var rejection: CommandRejection
    public init(rejection: CommandRejection) { self.rejection = rejection }
}
