import KvittContracts

/// Renders a payout request as XML following Skatteverket's schema V6 (Begaran.xsd, BegaranCOMPONENT.xsd).
///
/// The root `Begaran` is in the request namespace; every element below it is declared locally in the component schema
/// with `elementFormDefault="qualified"`, so it is in the component namespace. The output redeclares the default
/// namespace on `NamnPaBegaran` and on `RotBegaran`/`HushallBegaran`, as Skatteverket's own example files do, so no
/// element needs a prefix. Elements follow the schema's sequences: the base ärende fields, then the ROT property, then
/// `UtfortArbete` with its types of work in schema order.
enum ClaimFileXML {
    /// The namespace of the root element (Begaran.xsd).
    static let requestNamespace = "http://xmls.skatteverket.se/se/skatteverket/ht/begaran/6.0"
    /// The namespace of every element below the root (BegaranCOMPONENT.xsd).
    static let componentNamespace = "http://xmls.skatteverket.se/se/skatteverket/ht/komponent/begaran/6.0"

    /// The XML document for one file of checked claims, in the order given.
    static func render(name: String, kind: ClaimKind, claims: [BuyerClaim]) -> String {
        var writer = Writer()
        writer.lines.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        writer.open("Begaran", namespace: requestNamespace)
        writer.leaf("NamnPaBegaran", name, namespace: componentNamespace)
        writer.open(kind.requestElement, namespace: componentNamespace)
        for claim in claims { writeArende(claim, into: &writer) }
        writer.close(kind.requestElement)
        writer.close("Begaran")
        return writer.lines.joined(separator: "\n") + "\n"
    }

    private static func writeArende(_ claim: BuyerClaim, into writer: inout Writer) {
        writer.open("Arenden")
        // ArendeTYPE, in this order.
        writer.leaf("Kopare", claim.buyer.canonical)
        writer.leaf("BetalningsDatum", claim.paymentDate.description)
        writer.leaf("PrisForArbete", String(claim.labourCost))
        writer.leaf("BetaltBelopp", String(claim.paidAmount))
        writer.leaf("BegartBelopp", String(claim.requestedAmount))
        writer.leaf("FakturaNr", claim.invoiceNumber)
        // Optional only for a claim of flat-rate services alone; always given, 0 when there is none.
        writer.leaf("Ovrigkostnad", String(claim.otherCost))
        // RotArendeTYPE adds the property before UtfortArbete.
        switch claim.property {
        case .realProperty(let designation)?:
            writer.leaf("Fastighetsbeteckning", designation)
        case .cooperativeApartment(let association, let apartmentNumber)?:
            writer.leaf("LagenhetsNr", apartmentNumber)
            writer.leaf("BrfOrgNr", association.formatted)
        case nil:
            break
        }
        writer.open("UtfortArbete")
        for type in WorkType.allCases {
            guard let item = claim.work.first(where: { $0.type == type }) else { continue }
            writer.open(type.rawValue)
            writer.leaf("AntalTimmar", String(item.hours))
            writer.leaf("Materialkostnad", String(item.materialCost))
            writer.close(type.rawValue)
        }
        // The flat-rate services come last in ArendeUtfortArbeteRutTYPE.
        for service in FlatRateService.allCases where claim.flatRateServices.contains(service) {
            writer.open(service.rawValue)
            writer.leaf("Utfort", "true")
            writer.close(service.rawValue)
        }
        writer.close("UtfortArbete")
        writer.close("Arenden")
    }

    /// `text` with the characters that XML gives a meaning to replaced by entity references.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Indented lines of XML, two spaces per level.
    private struct Writer {
        var lines: [String] = []
        var depth = 0

        mutating func open(_ element: String, namespace: String? = nil) {
            lines.append(indent + "<\(element)\(declaration(namespace))>")
            depth += 1
        }

        mutating func close(_ element: String) {
            depth -= 1
            lines.append(indent + "</\(element)>")
        }

        mutating func leaf(_ element: String, _ text: String, namespace: String? = nil) {
            lines.append(indent + "<\(element)\(declaration(namespace))>\(ClaimFileXML.escaped(text))</\(element)>")
        }

        private var indent: String { String(repeating: "  ", count: depth) }

        private func declaration(_ namespace: String?) -> String {
            namespace.map { " xmlns=\"\($0)\"" } ?? ""
        }
    }
}
