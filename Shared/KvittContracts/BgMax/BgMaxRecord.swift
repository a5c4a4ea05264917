/// One 80-character record of a BgMax file, as bytes (ISO-8859-1: one byte per character), with the line it came from.
struct BgMaxRecord {
    /// The length of every record.
    static let length = 80

    /// The line number in the file, or the record's position when the file has no line breaks.
    let line: Int
    /// Exactly ``length`` bytes, padded with blanks.
    let bytes: [UInt8]

    /// The record type, positions 1–2.
    var type: String { raw(1, 2) }

    /// Positions `first` through `last` (1-based, inclusive) as they stand, decoded as ISO-8859-1.
    func raw(_ first: Int, _ last: Int) -> String {
        Self.latin1(bytes[(first - 1)..<last])
    }

    /// Positions `first` through `last` (1-based, inclusive) without the blanks around them.
    func text(_ first: Int, _ last: Int) -> String {
        var slice = bytes[(first - 1)..<last]
        while slice.first == Self.space { slice.removeFirst() }
        while slice.last == Self.space { slice.removeLast() }
        return Self.latin1(slice)
    }

    /// Splits a file into records. Accepts CRLF, LF and CR line breaks, or none (then the file is cut into records of
    /// 80 characters); skips blank lines and a trailing end-of-file character (0x1A); expands tabs to the next
    /// multiple of 8 columns (which restores the layout of the tabbed record in Bankgirot's own sample file); pads
    /// short records with blanks.
    static func split(_ bytes: [UInt8]) throws(BgMaxError) -> [BgMaxRecord] {
        var end = bytes.count
        while end > 0, [endOfFile, lineFeed, carriageReturn].contains(bytes[end - 1]) { end -= 1 }
        let content = bytes[..<end]
        var records: [BgMaxRecord] = []
        guard content.contains(lineFeed) || content.contains(carriageReturn) else {
            let expanded = expandingTabs(content)
            var start = 0
            while start < expanded.count {
                let chunk = expanded[start..<min(start + length, expanded.count)]
                if let record = try record(line: start / length + 1, chunk) { records.append(record) }
                start += length
            }
            return records
        }
        var line = 1
        var start = content.startIndex
        var index = start
        while index < end {
            let byte = content[index]
            guard byte == lineFeed || byte == carriageReturn else {
                index += 1
                continue
            }
            if let record = try record(line: line, expandingTabs(content[start..<index])) { records.append(record) }
            line += 1
            index += byte == carriageReturn && index + 1 < end && content[index + 1] == lineFeed ? 2 : 1
            start = index
        }
        if let record = try record(line: line, expandingTabs(content[start..<end])) { records.append(record) }
        return records
    }

    /// A record from one line with tabs expanded; `nil` for a blank line.
    private static func record(line: Int, _ text: ArraySlice<UInt8>) throws(BgMaxError) -> BgMaxRecord? {
        var text = text
        while text.last == space { text.removeLast() }
        guard !text.isEmpty else { return nil }
        guard text.count <= length else { throw .recordTooLong(line: line, length: text.count) }
        return BgMaxRecord(line: line, bytes: Array(text) + Array(repeating: space, count: length - text.count))
    }

    private static func expandingTabs(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard text.contains(tab) else { return text }
        var expanded: [UInt8] = []
        for byte in text {
            if byte == tab {
                expanded.append(contentsOf: repeatElement(space, count: 8 - expanded.count % 8))
            } else {
                expanded.append(byte)
            }
        }
        return expanded[...]
    }

    /// ISO-8859-1: every byte is the Unicode scalar of the same value.
    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        // Most fields are digits and ASCII letters, which are the same bytes in UTF-8: no scalar-by-scalar copy.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D
    private static let endOfFile: UInt8 = 0x1A
}
