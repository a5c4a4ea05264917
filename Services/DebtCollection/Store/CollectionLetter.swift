import GRDB
import KvittContracts

/// A letter a step of a case made (påminnelse, inkassokrav, surveillance letter, the Kronofogden application summary):
/// the id of the step's event, the case and the day.
///
/// Delivery names the document after the event that decided it (`<kind>-<message id>`, ``DocumentDelivered``), so its
/// reports find the case and the step by this row, and a report on a document debt-collection never made is refused.
struct CollectionLetter: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "collection_letter"

    /// The message id of the step's event.
    var messageID: String
    var invoiceID: String
    /// A ``DocumentKind`` raw value.
    var kind: String
    /// The day the step was taken.
    var sentOn: String
}
