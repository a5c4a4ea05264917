import Foundation

/// Header fields built from data (a creditor's name, an invoice number, a document id) made safe to send: no line
/// breaks a value could smuggle in, non-ASCII text as RFC 2047 encoded-words of at most 75 characters, and every
/// line folded (RFC 5322 2.2.3) to the recommended 78 characters where the field allows it and never past 998.
enum MailHeader {
    /// RFC 5322 2.1.1: a line SHOULD be at most 78 characters, without its CRLF.
    static let recommendedLineLength = 78
    /// RFC 5322 2.1.1: a line MUST be at most 998 characters, without its CRLF.
    static let maximumLineLength = 998
    /// RFC 2047 2: an encoded-word is at most 75 characters.
    static let maximumEncodedWordLength = 75
    /// The characters `=?UTF-8?B?` and `?=` add to an encoded-word's base64.
    private static let encodedWordOverhead = "=?UTF-8?B??=".count

    /// The value on one logical line: CR, LF and every other control character (which a value could use to end the
    /// field and start another, `\r\nBcc: …`) become a space, and runs of white space one space.
    static func singleLine(_ value: String) -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in value.unicodeScalars {
            let isBreakOrControl =
                scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
            if isBreakOrControl || scalar.properties.isWhitespace {
                if !lastWasSpace && !result.isEmpty { result.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        return lastWasSpace ? String(result.dropLast()) : result
    }

    /// An unstructured field (`Subject`): printable ASCII folded at its spaces, or, when it holds non-ASCII text or a
    /// word too long to fold, UTF-8 encoded-words, one per folded line.
    static func unstructured(_ name: String, _ value: String) -> String {
        let text = singleLine(value)
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        let plain =
            text.unicodeScalars.allSatisfy { $0.isASCII }
            && words.allSatisfy { $0.count + 1 + name.count + 2 <= recommendedLineLength && !$0.hasPrefix("=?") }
        if plain { return fold(name: name, words: words.map(String.init)) }
        var lines: [String] = []
        var current = "\(name):"
        for word in encodedWords(text, firstRoom: recommendedLineLength - current.count - 1) {
            if current.count + 1 + word.count > recommendedLineLength {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// A structured field whose value cannot be folded inside (an addr-spec, a msg-id): on one line, refused past
    /// the hard limit.
    static func structured(_ name: String, _ value: String) throws(MailHeaderTooLong) -> String {
        let line = "\(name): \(singleLine(value))"
        guard line.utf8.count <= maximumLineLength else {
            throw MailHeaderTooLong(field: name, length: line.utf8.count)
        }
        return line
    }

    /// A file name for a MIME parameter (`filename="…"`): letters, digits, `-`, `_`, `.`, at most
    /// `maximumFileNameLength` characters with its extension kept, so the parameter never needs RFC 2231 continuations.
    static func fileName(_ name: String) -> String {
        let safe = FileName.safe(singleLine(name))
        guard safe.count > maximumFileNameLength else { return safe }
        let dot = safe.lastIndex(of: ".")
        let suffix = dot.map { String(safe[$0...]) }.flatMap { $0.count <= 8 ? $0 : nil } ?? ""
        return String(safe.prefix(maximumFileNameLength - suffix.count)) + suffix
    }

    /// The longest attachment file name: `Content-Disposition: attachment; filename="…"` stays within 78.
    static let maximumFileNameLength = 40

    /// `words` after `name:`, a line broken before a word that would pass 78 characters.
    private static func fold(name: String, words: [String]) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for word in words {
            if current.count + 1 + word.count > recommendedLineLength, current != "\(name):" {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// `text` as RFC 2047 `B` encoded-words, each at most 75 characters (the first at most `firstRoom`), each
    /// holding whole characters: an encoded-word may not split a UTF-8 sequence (RFC 2047 5).
    static func encodedWords(_ text: String, firstRoom: Int = maximumEncodedWordLength) -> [String] {
        func byteBudget(_ room: Int) -> Int {
            // Base64 takes 4 characters for every 3 bytes.
            max(1, (min(room, maximumEncodedWordLength) - encodedWordOverhead) / 4) * 3
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        var budget = byteBudget(firstRoom)
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > budget {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
                budget = byteBudget(maximumEncodedWordLength)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// A Message-ID's left part (`id-left`, a dot-atom-text) from a document id and channel: the same every attempt,
    /// so a re-send can be recognised, and short enough for one line. An id longer than `maximumIDLength` keeps its
    /// start and gains a 64-bit FNV-1a digest of the whole, which keeps it unique.
    static func messageIDLeft(_ documentID: String, channel: String) -> String {
        // A file-name-safe text without its dots: `atext` only, so the dot before the channel is the one separator.
        let atom = { (text: String) in FileName.safe(text).replacingOccurrences(of: ".", with: "_") }
        var id = atom(documentID)
        if id.count > maximumIDLength {
            id = "\(id.prefix(maximumIDLength - 17))-\(String(fnv1a(Array(documentID.utf8)), radix: 16))"
        }
        return "\(id).\(atom(channel))"
    }

    /// The longest document id part of a Message-ID: `Message-ID: <` + id + `.email@kvitt.delivery>` fits 78.
    static let maximumIDLength = 40

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// A header field that cannot be folded came out longer than RFC 5322's 998 characters.
struct MailHeaderTooLong: Error, CustomStringConvertible {
    var field: String
    var length: Int
    var description: String { "the \(field) header would be \(length) characters, more than RFC 5322's 998" }
}
