/// A small XML element tree and its writer, for the Peppol UBL files.
///
/// Why not Foundation's `XMLDocument`: on Linux it lives in `FoundationXML`, a second copy of libxml2 bindings that
/// nothing else in Kvitt links, and its namespace handling and pretty-printing differ between platforms, so the same
/// invoice could come out differently on a developer's Mac and in CI. UBL needs only elements, attributes and text
/// in a fixed order; a writer that escapes every value in one place is small enough to read in full, and gives the
/// same bytes for the same invoice every time (so a repeated delivery writes an identical file).
///
/// Every value goes through ``XMLText/escaped(_:)`` or ``XMLText/escapedAttribute(_:)``: a debtor named
/// `Tak & Co <AB>` cannot end an element or start one. Characters XML 1.0 cannot carry at all (C0 controls other
/// than tab, line feed and carriage return, lone surrogates, U+FFFE/U+FFFF) become U+FFFD, because no escape exists
/// for them and an ill-formed file would be refused whole by the access point.
struct XMLElementNode: Sendable {
    var name: String
    var attributes: [(name: String, value: String)]
    var text: String?
    var children: [XMLElementNode]

    /// An element with text. `nil` when the text is absent or blank: Peppol forbids empty elements
    /// (PEPPOL-EN16931-R008), so an absent value leaves the element out rather than writing `<cbc:Note/>`.
    static func leaf(_ name: String, _ text: String?, _ attributes: [(name: String, value: String)] = [])
        -> XMLElementNode?
    {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return XMLElementNode(name: name, attributes: attributes, text: text, children: [])
    }

    /// An element with child elements; `nil` when none of them is present (again: no empty elements).
    static func group(_ name: String, _ children: [XMLElementNode?], attributes: [(name: String, value: String)] = [])
        -> XMLElementNode?
    {
        let present = children.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        return XMLElementNode(name: name, attributes: attributes, text: nil, children: present)
    }

    /// The document: an XML declaration and this element, indented by two spaces, ending in a line feed.
    func document() -> String {
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        write(into: &output, depth: 0)
        return output
    }

    private func write(into output: inout String, depth: Int) {
        let indent = String(repeating: "  ", count: depth)
        output += indent + "<" + name
        for attribute in attributes {
            output += " " + attribute.name + "=\"" + XMLText.escapedAttribute(attribute.value) + "\""
        }
        if let text {
            output += ">" + XMLText.escaped(text) + "</" + name + ">\n"
        } else if children.isEmpty {
            output += "/>\n"
        } else {
            output += ">\n"
            for child in children { child.write(into: &output, depth: depth + 1) }
            output += indent + "</" + name + ">\n"
        }
    }
}

/// Escaping of text and attribute values.
enum XMLText {
    /// Text content: `&`, `<` and `>` escaped (`>` too, so that `]]>` can never appear).
    static func escaped(_ text: String) -> String { escaped(text, inAttribute: false) }

    /// An attribute value in double quotes: also `"`, and tab, line feed and carriage return as character
    /// references, which attribute-value normalisation would otherwise turn into spaces.
    static func escapedAttribute(_ text: String) -> String { escaped(text, inAttribute: true) }

    private static func escaped(_ text: String, inAttribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where inAttribute: result += "&quot;"
            case "\t" where inAttribute: result += "&#9;"
            case "\n" where inAttribute: result += "&#10;"
            case "\r" where inAttribute: result += "&#13;"
            default: result.unicodeScalars.append(allowed(scalar))
            }
        }
        return result
    }

    /// The scalar, or U+FFFD when XML 1.0 has no way to carry it (its `Char` production).
    static func allowed(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return scalar
        default: return "\u{FFFD}"
        }
    }
}
