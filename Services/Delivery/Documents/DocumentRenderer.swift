import Foundation
import KvittContracts
import Mustache

/// Turns a document's data into HTML through the Mustache templates (``DocumentTemplates``).
struct DocumentRenderer: Sendable {
    let library: MustacheLibrary
    let collector: CollectorDetails

    init(collector: CollectorDetails) {
        var library = MustacheLibrary()
        for (name, text) in DocumentTemplates.all {
            // The templates are constants of this executable: one that does not parse is a programming error,
            // which the tests catch by rendering every kind.
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        self.library = library
        self.collector = collector
    }

    /// The document as a complete HTML page.
    func html(_ letter: LetterData) throws(LetterError) -> String {
        let view = try DocumentView.make(letter, collector: collector)
        return library.render(view, withTemplate: letter.kind.rawValue) ?? ""
    }
}
