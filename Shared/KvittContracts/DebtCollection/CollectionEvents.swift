/// The kind of a collection step: its wire name. One event type per step, all with the same payload.
public protocol CollectionStepKind: Sendable {
    static var messageType: MessageType { get }
    /// The document delivery makes from the step's event, or `nil` for a step that makes none (the decision request,
    /// the plan, a missed instalment, a postponement).
    static var documentKind: DocumentKind? { get }
}

extension CollectionStepKind {
    public static var documentKind: DocumentKind? { nil }
}

/// A step of the collection ladder happened (reminder, letter, decision request, application, plan, postponement,
/// surveillance letter): the date, the pay-by date of a letter, what is outstanding after it, and a detail.
public struct CollectionStepEvent<Kind: CollectionStepKind>: KvittMessage, Equatable {
    public static var messageType: MessageType { Kind.messageType }
    public var invoiceID: String
    public var on: CalendarDate
    /// For letters and plans: the date by which the debtor must pay.
    public var payBy: CalendarDate?
    /// What the debtor owes after the step: capital, fees and interest less payments.
    public var outstanding: Money
    /// Human-readable detail; for an application, its content as JSON.
    public var detail: String?
    public init(
        invoiceID: String,
        on: CalendarDate,
        payBy: CalendarDate? = nil,
        outstanding: Money,
        detail: String? = nil
    ) {
        self.invoiceID = invoiceID
        self.on = on
        self.payBy = payBy
        self.outstanding = outstanding
        self.detail = detail
    }
}

/// The collection steps and their events.
public enum CollectionSteps {
    public enum Reminder: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.reminder-sent.v1"
        public static let documentKind: DocumentKind? = .reminder
    }
    public enum CollectionLetter: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.collection-letter-sent.v1"
        public static let documentKind: DocumentKind? = .collectionLetter
    }
    public enum DecisionRequest: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.creditor-decision-requested.v1"
    }
    public enum Application: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.enforcement-application-prepared.v1"
        public static let documentKind: DocumentKind? = .enforcementApplication
    }
    public enum Plan: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.installment-plan-created.v1"
    }
    public enum MissedInstallment: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.installment-missed.v1"
    }
    public enum SurveillanceLetter: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.surveillance-letter-sent.v1"
        public static let documentKind: DocumentKind? = .surveillanceLetter
    }
    public enum Postponement: CollectionStepKind {
        public static let messageType: MessageType = "debt-collection.next-event-postponed.v1"
    }
}

public typealias ReminderSent = CollectionStepEvent<CollectionSteps.Reminder>
public typealias CollectionLetterSent = CollectionStepEvent<CollectionSteps.CollectionLetter>
public typealias CreditorDecisionRequested = CollectionStepEvent<CollectionSteps.DecisionRequest>
public typealias EnforcementApplicationPrepared = CollectionStepEvent<CollectionSteps.Application>
public typealias InstallmentPlanCreated = CollectionStepEvent<CollectionSteps.Plan>
public typealias InstallmentMissed = CollectionStepEvent<CollectionSteps.MissedInstallment>
public typealias SurveillanceLetterSent = CollectionStepEvent<CollectionSteps.SurveillanceLetter>
public typealias NextEventPostponed = CollectionStepEvent<CollectionSteps.Postponement>

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
        /// The provision the fee is charged under, e.g. `lag (1981:739) om ersättning för inkassokostnader m.m. 4 a §`;
        /// absent in events from before it was recorded.
        public var legalBasis: String?
        public init(kind: String, amount: Money, legalBasis: String? = nil) {
            self.kind = kind
            self.amount = amount
            self.legalBasis = legalBasis
        }
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
