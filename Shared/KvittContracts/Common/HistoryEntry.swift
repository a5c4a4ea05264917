import Foundation

/// One line of a record's history as every read API shows it (an invoice's, a collection case's): the business day it
/// happened, a stable code for what happened, a sentence for a person, and — where the service keeps them — the
/// instant it was recorded and the message that did it.
///
/// `{"date": "2026-04-06", "event": "reminder-sent", "detail": "reminder sent (påminnelse)"}`, with `at`,
/// `messageID` and `messageType` added where known. A client reads every history the same way and sorts or filters on
/// `date` and `event` without parsing text.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// The business day (Europe/Stockholm) it happened on.
    public var date: CalendarDate
    /// What happened: a stable kebab-case code (`issued`, `payment`, `reminder-sent`, `document-delivered`, …).
    public var event: String
    /// What happened, for a person (amounts, dates, the Swedish term a creditor knows).
    public var detail: String
    /// When the service recorded it, where the history keeps the instant.
    public var at: Date?
    /// The id of the message that made it, where the history keeps it.
    public var messageID: String?
    /// The type of that message.
    public var messageType: String?

    public init(
        date: CalendarDate,
        event: String,
        detail: String,
        at: Date? = nil,
        messageID: String? = nil,
        messageType: String? = nil
    ) {
        self.date = date
        self.event = event
        self.detail = detail
        self.at = at
        self.messageID = messageID
        self.messageType = messageType
    }
}
