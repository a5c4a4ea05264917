/// Text as it is stored in a shared-string cell, so that Excel and LibreOffice read back exactly what was given.
///
/// A Swift `String` is always valid Unicode, and libxlsxwriter needs UTF-8, which `withCString` provides. What is
/// left is what the file format itself cannot hold or would change:
/// - NUL cannot pass through a C string, and U+FFFE and U+FFFF are not allowed in XML at all (libxlsxwriter 1.1.4
///   writes them as they are, and the file becomes unreadable): each becomes U+FFFD, the replacement character.
/// - Other control characters (except tab and line feed) are not allowed in XML 1.0 either; OOXML writes them as
///   `_xHHHH_` (ECMA-376 Part 1, §22.9.2.19, ST_Xstring), which Excel decodes back. They are escaped here rather than
///   left to libxlsxwriter, so that the underscore rule below sees the text as the file will hold it.
/// - Because readers decode `_xHHHH_`, text that contains such a sequence literally (a payer naming themselves
///   `_x003D_…`) would be read back changed; its underscore is written as `_x005F_`, the escaped underscore, as
///   Excel itself does.
/// - Text longer than ``Spreadsheet/maximumCellLength`` is cut (see there for why it is cut, not refused).
enum CellText {
    /// The text to hand to `worksheet_write_string`.
    static func stored(_ text: String) -> String {
        var scalars: [Unicode.Scalar] = []
        var characterScalarCounts: [Int] = []
        for character in text {
            characterScalarCounts.append(character.unicodeScalars.count)
            scalars.append(contentsOf: character.unicodeScalars.map(replacingUnstorable))
        }
        let pieces = scalars.indices.map { escaped(at: $0, in: scalars) }
        let total = pieces.reduce(0) { $0 + $1.utf16.count }
        guard total > Spreadsheet.maximumCellLength else { return pieces.joined() }

        // Cut at a character boundary so that no character loses some of its scalars.
        let budget = Spreadsheet.maximumCellLength - Spreadsheet.truncationMarker.utf16.count
        var kept = ""
        var length = 0
        var scalarIndex = 0
        for count in characterScalarCounts {
            let piece = pieces[scalarIndex..<scalarIndex + count].joined()
            guard length + piece.utf16.count <= budget else { break }
            kept += piece
            length += piece.utf16.count
            scalarIndex += count
        }
        return kept + Spreadsheet.truncationMarker
    }

    /// How wide the text shows: the longest line, in characters.
    static func displayWidth(_ text: String) -> Int {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(\.count).max() ?? 0
    }

    private static let replacement: Unicode.Scalar = "\u{FFFD}"

    private static func replacingUnstorable(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0, 0xFFFE, 0xFFFF: replacement
        default: scalar
        }
    }

    /// Control characters that XML 1.0 does not allow and OOXML writes as `_xHHHH_`; tab and line feed are allowed.
    private static func isEscapedControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 && scalar != "\t" && scalar != "\n"
    }

    /// How the scalar at `index` is written.
    private static func escaped(at index: Int, in scalars: [Unicode.Scalar]) -> String {
        let scalar = scalars[index]
        if isEscapedControl(scalar) { return escape(scalar.value) }
        if scalar == "_" && startsEscapeSequence(at: index, in: scalars) { return escape(0x5F) }
        return String(scalar)
    }

    /// Whether a reader would take the underscore at `index` as the start of `_xHHHH_`, judging the closing
    /// underscore by how the scalar there is written (an escaped control character begins with an underscore too).
    private static func startsEscapeSequence(at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        guard index + 6 < scalars.count else { return false }
        guard scalars[index + 1] == "x" || scalars[index + 1] == "X" else { return false }
        guard scalars[index + 2...index + 5].allSatisfy({ $0.properties.isASCIIHexDigit }) else { return false }
        let closing = scalars[index + 6]
        return closing == "_" || isEscapedControl(closing)
    }

    private static func escape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "_x" + String(repeating: "0", count: 4 - hex.count) + hex + "_"
    }
}
