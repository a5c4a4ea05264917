import KvittContracts

/// Something that happened to a collection case, with its date: the case's history, in the order it happened.
///
/// ``CollectionLadder`` computes the next automatic step from it. Postponements and recalls are events too, so the
/// history alone explains every scheduled date. Delivery's reports on the case's letters (``documentDelivered(on:document:)``,
/// ``deliveryFailed(on:document:reason:)``) are in the history for whoever reads the case, and for preskription, but
/// the ladder ignores them (``isDeliveryReport``): whether and when a letter arrived never moves the next step.
enum CollectionEvent: Sendable, Equatable, Codable {
    /// A påminnelse went out.
    case reminderSent(on: CalendarDate)
    /// The creditor sent the claim to collection by hand ("Skicka till kravhantering").
    case collectionRequested(on: CalendarDate)
    /// An inkassokrav went out, with the date by which it must be paid.
    case collectionLetterSent(on: CalendarDate, dueDate: CalendarDate)
    /// The inkassokrav fell due unpaid and the creditor was asked whether to go on to Kronofogden.
    case creditorDecisionRequested(on: CalendarDate)
    /// The creditor decided whether to apply for betalningsföreläggande.
    case enforcementDecided(on: CalendarDate, proceed: Bool)
    /// The application for betalningsföreläggande was prepared.
    case enforcementApplicationPrepared(on: CalendarDate)
    /// An amorteringsplan was agreed; automatic steps pause while it is kept.
    case installmentPlanCreated(on: CalendarDate)
    /// An instalment was missed; the ladder resumes from this date.
    case installmentMissed(on: CalendarDate)
    /// The case went to långtidsbevakning.
    case longTermSurveillanceStarted(on: CalendarDate)
    /// A quarterly demand letter of långtidsbevakning went out.
    case surveillanceLetterSent(on: CalendarDate)
    /// The creditor moved the next automatic event to a later date.
    case postponed(on: CalendarDate, to: CalendarDate)
    /// The creditor recalled the case ("Återkalla kravhantering"); nothing more happens.
    case recalled(on: CalendarDate)
    /// Delivery reported that one of the case's letters reached its channel (`delivery.document-delivered.v1`).
    case documentDelivered(on: CalendarDate, document: ReportedLetter)
    /// Delivery reported that one of the case's letters could not be delivered and is parked
    /// (`delivery.delivery-failed.v1`), with delivery's stable reason code.
    case deliveryFailed(on: CalendarDate, document: ReportedLetter, reason: String)

    /// The day the event happened.
    var date: CalendarDate {
        switch self {
        case .reminderSent(let date), .collectionRequested(let date), .collectionLetterSent(let date, _),
            .creditorDecisionRequested(let date), .enforcementDecided(let date, _),
            .enforcementApplicationPrepared(let date), .installmentPlanCreated(let date),
            .installmentMissed(let date), .longTermSurveillanceStarted(let date), .surveillanceLetterSent(let date),
            .postponed(let date, _), .recalled(let date), .documentDelivered(let date, _),
            .deliveryFailed(let date, _, _):
            date
        }
    }

    /// Whether the event is delivery's report on a letter, which the ladder skips.
    var isDeliveryReport: Bool { deliveryReport != nil }

    /// The letter a delivery report is about, and whether it arrived; `nil` for every other event.
    var deliveryReport: (letter: ReportedLetter, delivered: Bool)? {
        switch self {
        case .documentDelivered(_, let letter): (letter, true)
        case .deliveryFailed(_, let letter, _): (letter, false)
        default: nil
        }
    }

    /// The document kind of the letter this event sent the debtor, when it is a written demand
    /// (``interruptsPreskription``): what delivery calls it.
    var demandDocumentKind: DocumentKind? {
        switch self {
        case .reminderSent: .reminder
        case .collectionLetterSent: .collectionLetter
        case .surveillanceLetterSent: .surveillanceLetter
        default: nil
        }
    }

    /// Whether the event is a written demand or reminder that, once it reaches the debtor, interrupts preskription
    /// (preskriptionslagen 5 § 2, docs/domain.md §7.4). Preparing an application does not: only filing it with
    /// Kronofogden does (5 § 3), and filing is recorded elsewhere.
    var interruptsPreskription: Bool { demandDocumentKind != nil }

    /// The stable code of the event in the read API's history (``HistoryEntry/event``).
    var historyCode: String {
        switch self {
        case .reminderSent: "reminder-sent"
        case .collectionRequested: "collection-requested"
        case .collectionLetterSent: "collection-letter-sent"
        case .creditorDecisionRequested: "creditor-decision-requested"
        case .enforcementDecided: "enforcement-decided"
        case .enforcementApplicationPrepared: "enforcement-application-prepared"
        case .installmentPlanCreated: "installment-plan-created"
        case .installmentMissed: "installment-missed"
        case .longTermSurveillanceStarted: "long-term-surveillance-started"
        case .surveillanceLetterSent: "surveillance-letter-sent"
        case .postponed: "postponed"
        case .recalled: "recalled"
        case .documentDelivered: "document-delivered"
        case .deliveryFailed: "delivery-failed"
        }
    }

    /// The event as a line of the read API's history.
    var historyEntry: HistoryEntry { HistoryEntry(date: date, event: historyCode, detail: summary) }

    /// One line for the read API's history, in English with the Swedish term a creditor knows.
    var summary: String {
        switch self {
        case .reminderSent: "reminder sent (påminnelse)"
        case .collectionRequested: "sent to collection by the creditor (skicka till kravhantering)"
        case .collectionLetterSent(_, let dueDate): "collection letter sent (inkassokrav), to be paid by \(dueDate)"
        case .creditorDecisionRequested: "collection letter unpaid: creditor asked whether to apply to Kronofogden"
        case .enforcementDecided(_, let proceed):
            proceed ? "creditor decided to apply for betalningsföreläggande" : "creditor decided not to go on"
        case .enforcementApplicationPrepared: "application for betalningsföreläggande prepared"
        case .installmentPlanCreated: "installment plan agreed (avbetalningsplan)"
        case .installmentMissed: "installment missed; collection resumes"
        case .longTermSurveillanceStarted: "long-term surveillance started (långtidsbevakning)"
        case .surveillanceLetterSent: "quarterly surveillance letter sent"
        case .postponed(_, let to): "next event postponed to \(to)"
        case .recalled: "recalled by the creditor (återkallad)"
        case .documentDelivered(_, let letter):
            "\(letter.kind.caseHistoryName) of \(letter.sentOn) delivered by \(letter.channel.caseHistoryName)"
        case .deliveryFailed(_, let letter, let reason):
            "\(letter.kind.caseHistoryName) of \(letter.sentOn) not delivered by \(letter.channel.caseHistoryName): "
                + "\(reason)"
        }
    }
}

/// One of the case's letters as delivery reported on it: delivery's document id, the kind and channel, and the day
/// debt-collection sent it (the date of the step in the history), which ties the report to its step.
struct ReportedLetter: Sendable, Equatable, Codable {
    /// Delivery's id of the document: its kind and the id of the event that decided it.
    var documentID: String
    var kind: DocumentKind
    var channel: DeliveryChannel
    /// The day the step that made the letter was taken.
    var sentOn: CalendarDate
}

extension DocumentKind {
    /// The document's name in a case's history, with the Swedish term a creditor knows.
    var caseHistoryName: String {
        switch self {
        case .invoice: "invoice"
        case .creditInvoice: "credit invoice"
        case .reminder: "reminder (påminnelse)"
        case .collectionLetter: "collection letter (inkassokrav)"
        case .surveillanceLetter: "surveillance letter"
        case .enforcementApplication: "Kronofogden application summary"
        }
    }
}

extension DeliveryChannel {
    /// The channel's name in a case's history.
    var caseHistoryName: String {
        switch self {
        case .email: "e-mail"
        case .print: "print"
        case .peppol: "Peppol"
        }
    }
}
