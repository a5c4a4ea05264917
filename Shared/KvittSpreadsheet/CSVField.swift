/// Text fields for CSV files that people open in Excel or LibreOffice.
///
/// A spreadsheet that opens a CSV file takes a field that begins with `=`, `+`, `-` or `@` as a formula, and tab or
/// carriage return at the start can smuggle one in past a check of the first visible character. Outside text in a
/// report (a payer's name or message from a bank file or Swish) could then run `=HYPERLINK(…)`, `=WEBSERVICE(…)` or
/// DDE on the reader's machine: "CSV injection" (formula injection). OWASP's guidance (the CSV Injection page of the
/// OWASP community wiki) is to make sure no cell begins with `=`, `+`, `-`, `@`, tab (0x09) or carriage return
/// (0x0D) by prepending a single quote, which spreadsheets show as text, and to quote fields, doubling the quotes
/// inside them, so that a separator inside a value cannot start a new field that begins with a formula. ``encoded(_:separator:)``
/// does both, quoting where a field needs it.
///
/// Only text fields go through this: a number written by the report itself (an amount such as `-12,50`) must stay
/// a number and is not neutralised. In `.xlsx` files none of this is needed, because ``Spreadsheet`` writes text
/// as string cells, which are never evaluated.
public enum CSVField {
    /// The characters that make a field start a formula (or hide one), per OWASP.
    public static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `text` with a `'` in front when it begins with one of ``formulaTriggers``; otherwise `text` unchanged.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaTriggers.contains(first) else { return text }
        return "'" + text
    }

    /// `text` neutralised and then quoted as RFC 4180 requires: in double quotes, inner quotes doubled, when it
    /// contains the separator, a quote or a line break.
    public static func encoded(_ text: String, separator: Character = ",") -> String {
        let safe = neutralised(text)
        guard safe.contains(where: { $0 == separator || $0 == "\"" || $0.isNewline }) else { return safe }
        var quoted = "\""
        for character in safe {
            if character == "\"" { quoted.append("\"") }
            quoted.append(character)
        }
        quoted.append("\"")
        return quoted
    }
}
