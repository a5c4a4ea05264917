import Foundation

/// Reading the written forms of Swedish numbers, shared by the identifier parsers.
enum IdentifierParsing {
    /// The ASCII digits of `text` (surrounding whitespace ignored) and its separator, or `nil` if it has any other
    /// character or a separator anywhere but right before the last four digits, where Swedish numbers put it.
    static func digitsAndSeparator(
        _ text: String,
        separators: Set<Character>
    ) -> (digits: [Int], separator: Character?)? {
        let characters = Array(trimmed(text))
        var digits: [Int] = []
        var separator: Character?
        for (index, character) in characters.enumerated() {
            if character.isASCII, let value = character.wholeNumberValue {
                digits.append(value)
            } else if separators.contains(character), separator == nil, index > 0, index == characters.count - 5 {
                separator = character
            } else {
                return nil
            }
        }
        return (digits, separator)
    }

    /// The text without surrounding whitespace, which copying from documents and forms tends to add.
    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Digits written out, e.g. `[5, 0]` as `"50"`.
    static func string(_ digits: some Sequence<Int>) -> String {
        digits.map(String.init).joined()
    }

    /// The digits of a string known to hold only ASCII digits.
    static func digits(_ text: some StringProtocol) -> [Int] {
        text.compactMap(\.wholeNumberValue)
    }
}
