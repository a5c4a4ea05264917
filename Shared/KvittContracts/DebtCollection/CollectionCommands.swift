/// Sends an overdue invoice to collection now ("Skicka till kravhantering").
public struct SendToCollection: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.send-to-collection.v1"
    public var invoiceID: String
    public init(invoiceID: String) { self.invoiceID = invoiceID }
}

/// Stops a case ("Återkalla kravhantering"): no further automatic events.
public struct RecallCollection: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.recall-collection.v1"
    public var invoiceID: String
    public var reason: String?
    public init(invoiceID: String, reason: String? = nil) {
        self.invoiceID = invoiceID
        self.reason = reason
    }
}

/// Agrees an installment plan (avbetalningsplan): the balance plus the 170 kr fee over the given dates.
public struct CreateInstallmentPlan: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.create-installment-plan.v1"
    public var invoiceID: String
    public var dates: [CalendarDate]
    public init(invoiceID: String, dates: [CalendarDate]) {
        self.invoiceID = invoiceID
        self.dates = dates
    }
}

/// Moves the case's next automatic event to a later date; the invoice's due date never changes.
public struct PostponeNextEvent: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.postpone-next-event.v1"
    public var invoiceID: String
    public var to: CalendarDate
    public init(invoiceID: String, to: CalendarDate) {
        self.invoiceID = invoiceID
        self.to = to
    }
}

/// The creditor's answer to creditor-decision-requested: apply to Kronofogden or not.
public struct DecideEnforcement: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.decide-enforcement.v1"
    public var invoiceID: String
    public var proceed: Bool
    public init(invoiceID: String, proceed: Bool) {
        self.invoiceID = invoiceID
        self.proceed = proceed
    }
}

/// Puts the case under long-term surveillance (långtidsbevakning): quarterly demand letters.
public struct StartLongTermSurveillance: KvittMessage, Equatable {
    public static let messageType: MessageType = "debt-collection.start-long-term-surveillance.v1"
    public var invoiceID: String
    public init(invoiceID: String) { self.invoiceID = invoiceID }
}
