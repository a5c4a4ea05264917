/// How error messages quote a value they refuse: in full when short, cut otherwise, so that a megabyte-long field
/// cannot make a megabyte-long error (which ends up in logs, dead-letter headers and rejection events).
enum InputEcho {
    /// The most UTF-8 bytes quoted before the text is cut.
    static let maximumQuotedBytes = 40

    /// `'text'`, or its start and its length: `'2026-01-01xxxxxxxx…' (2097152 bytes)`.
    static func quoted(_ text: String) -> String {
        let size = text.utf8.count
        guard size > maximumQuotedBytes else { return "'\(text)'" }
        var start = ""
        for character in text {
            guard start.utf8.count + character.utf8.count <= maximumQuotedBytes else { break }
            start.append(character)
        }
        return "'\(start)…' (\(size) bytes)"
    }
}
