import KvittContracts
import Testing

/// Delivery names a document after its kind and the message that decided it; debt-collection reads the message id
/// back from a report. Both use these two functions, so the format cannot drift between them.
@Suite("Document ids: built by delivery, read back by debt-collection")
struct DocumentIDTests {
    @Test func anIDReadsBackToItsMessageOnlyUnderItsOwnKind() {
        for kind in DocumentKind.allCases {
            let id = kind.documentID(messageID: "m-1")
            #expect(kind.messageID(inDocumentID: id) == "m-1")
            for other in DocumentKind.allCases where other != kind && !id.hasPrefix("\(other.rawValue)-") {
                #expect(other.messageID(inDocumentID: id) == nil, "\(id) is not a \(other)")
            }
        }
    }

    @Test(arguments: ["reminder-", "reminder", "", "-m-1", "collection-letter-m-1", "Reminder-m-1"])
    func whatIsNotAReminderOfAMessageIsRefused(documentID: String) {
        #expect(DocumentKind.reminder.messageID(inDocumentID: documentID) == nil)
    }

    /// The steps that make a letter name the document delivery makes; the others name none.
    @Test func eachLetterStepNamesItsDocument() {
        #expect(CollectionSteps.Reminder.documentKind == .reminder)
        #expect(CollectionSteps.CollectionLetter.documentKind == .collectionLetter)
        #expect(CollectionSteps.SurveillanceLetter.documentKind == .surveillanceLetter)
        #expect(CollectionSteps.Application.documentKind == .enforcementApplication)
        #expect(CollectionSteps.DecisionRequest.documentKind == nil)
        #expect(CollectionSteps.Plan.documentKind == nil)
        #expect(CollectionSteps.MissedInstallment.documentKind == nil)
        #expect(CollectionSteps.Postponement.documentKind == nil)
    }
}
