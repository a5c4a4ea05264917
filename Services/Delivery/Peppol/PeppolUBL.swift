import Foundation
import KvittContracts

/// A Peppol participant: an ISO 6523 scheme (ICD, four digits) and the identifier in it, e.g. `0007:5567321707`
/// for a Swedish organisation number.
struct PeppolParticipant: Equatable, Sendable, CustomStringConvertible {
    /// The ICD code list value: `0007` Swedish organisationsnummer, `0088` GLN, …
    var scheme: String
    var identifier: String

    /// The scheme of Swedish organisation numbers in the ICD list.
    static let swedishOrganisationNumberScheme = "0007"

    /// A Swedish legal entity's address: scheme 0007 and the ten digits without separator (PEPPOL-COMMON-R049).
    init(organisation number: Organisationsnummer) {
        scheme = Self.swedishOrganisationNumberScheme
        identifier = number.canonical
    }

    /// Parses `SCHEME:IDENTIFIER` (also with the `iso6523-actorid-upis::` prefix of the Peppol directory); a 0007
    /// identifier must be a valid organisation number, which the receiving access point checks too.
    init?(peppolID text: String) {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        let directoryPrefix = "iso6523-actorid-upis::"
        if body.lowercased().hasPrefix(directoryPrefix) { body = body.dropFirst(directoryPrefix.count) }
        guard let colon = body.firstIndex(of: ":") else { return nil }
        let scheme = body[..<colon]
        let identifier = body[body.index(after: colon)...]
        guard scheme.count == 4, scheme.allSatisfy({ $0.isASCII && $0.isNumber }), !identifier.isEmpty,
            identifier.count <= 50,
            identifier.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        if scheme == Self.swedishOrganisationNumberScheme {
            guard let number = try? Organisationsnummer(parsing: String(identifier)) else { return nil }
            self.scheme = Self.swedishOrganisationNumberScheme
            self.identifier = number.canonical
        } else {
            self.scheme = String(scheme)
            self.identifier = String(identifier)
        }
    }

    var description: String { "\(scheme):\(identifier)" }

    /// The buyer's electronic address: the Peppol id the invoice gave, or else the organisation number of a
    /// Swedish legal entity. A private person has neither, and gets no Peppol invoice.
    static func buyer(_ debtor: Debtor, peppolID: String?) throws(PeppolDocumentError) -> PeppolParticipant {
        if let peppolID {
            guard let participant = PeppolParticipant(peppolID: peppolID) else {
                throw .noElectronicAddress("the debtor's Peppol id '\(peppolID)' is not SCHEME:IDENTIFIER")
            }
            return participant
        }
        if debtor.isDomestic, let identity = debtor.identityNumber,
            let number = try? Organisationsnummer(parsing: identity)
        {
            return PeppolParticipant(organisation: number)
        }
        throw .noElectronicAddress("the debtor has no Peppol id and no Swedish organisation number")
    }
}

/// Why a document has no Peppol file.
enum PeppolDocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Only invoices and credit invoices have a Peppol document; letters go by e-mail or print.
    case notAnInvoice(DocumentKind)
    /// The buyer has no address in the Peppol network.
    case noElectronicAddress(String)
    /// The data cannot make a valid document (the creditor's organisation number or bankgiro, the currency).
    case unusable(String)
    /// The lines, the VAT breakdown and the totals do not add up as EN 16931 requires; sending it anyway would be
    /// refused by the receiving access point, so it is refused here with the figures.
    case inconsistentTotals(String)
    /// A sum of amounts does not fit in 64 bits.
    case amountOverflow(String)

    /// The stable reason of the `delivery-failed` event.
    var reason: String {
        switch self {
        case .noElectronicAddress: "no-address"
        case .notAnInvoice, .unusable, .inconsistentTotals, .amountOverflow: "render-failed"
        }
    }

    var description: String {
        switch self {
        case .notAnInvoice(let kind): "a \(kind.rawValue) has no Peppol document"
        case .noElectronicAddress(let detail): "no Peppol address: \(detail)"
        case .unusable(let detail): "cannot make a Peppol document: \(detail)"
        case .inconsistentTotals(let detail): "the amounts do not add up: \(detail)"
        case .amountOverflow(let detail): "amount overflow: \(detail)"
        }
    }
}

/// What one Peppol document is made from: the document's data (the same the PDF shows) and what the stored
/// invoice adds.
struct PeppolDocumentInput: Sendable {
    var letter: LetterData
    /// BT-10, routed on by public-sector buyers; PEPPOL-EN16931-R003 requires it (or an order reference).
    var buyerReference: String
    var buyer: PeppolParticipant
    /// The invoice a credit invoice credits (BT-25, BT-26), when delivery knows it.
    var precedingInvoice: PrecedingInvoice?
    /// The PDF the debtor would otherwise receive, attached as the document's visual representation.
    var pdf: Data?

    struct PrecedingInvoice: Sendable, Equatable {
        var number: String
        var issueDate: CalendarDate
    }
}

/// Peppol BIS Billing 3.0 (EN 16931 in UBL 2.1): an invoice as `Invoice`, a credit invoice as `CreditNote`.
///
/// Amounts come from integer minor units and are written with `Money.formatted`, never through floating point.
/// A credit invoice's amounts are negative in Kvitt and positive in a `CreditNote` (the document type says which
/// way the money goes), so every amount of a credit note is negated. Elements follow the order of the UBL 2.1
/// schema, which is a sequence: an element out of place makes the whole document invalid.
enum PeppolUBL {
    static let customizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    static let profileID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

    enum Namespace {
        static let invoice = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        static let creditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
        static let aggregate = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        static let basic = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    }

    /// UNCL 1001 document type codes.
    enum TypeCode {
        static let commercialInvoice = "380"
        static let creditNote = "381"
    }

    /// UNCL 4461 payment means.
    enum PaymentMeansCode {
        /// Credit transfer: bankgiro (with `SE:BANKGIRO`) and non-SEPA transfers.
        static let creditTransfer = "30"
        /// SEPA credit transfer: IBAN in euro.
        static let sepaCreditTransfer = "58"
    }

    /// How Swedish giro accounts are marked in `FinancialInstitutionBranch/ID` (the Swedish rules SE-R-008/009/011).
    static let bankgiroBranch = "SE:BANKGIRO"

    /// The UBL document for an invoice or credit invoice.
    static func document(_ input: PeppolDocumentInput) throws(PeppolDocumentError) -> String {
        try tree(input).document()
    }

    static func tree(_ input: PeppolDocumentInput) throws(PeppolDocumentError) -> XMLElementNode {
        let letter = input.letter
        let isCredit: Bool
        switch letter.kind {
        case .invoice: isCredit = false
        case .creditInvoice: isCredit = true
        default: throw .notAnInvoice(letter.kind)
        }
        guard let currency = Currency(code: letter.currency), currency.minorUnitExponent <= 2 else {
            // EN 16931 allows at most two decimals on amounts.
            throw .unusable("currency \(letter.currency) (EN 16931 amounts have at most two decimals)")
        }
        guard let totals = letter.totals, !letter.lines.isEmpty else {
            throw .unusable("the invoice's lines and totals are unknown")
        }
        let seller: Organisationsnummer
        do {
            seller = try Organisationsnummer(parsing: letter.creditor.organisationNumber)
        } catch {
            throw .unusable("the creditor's organisation number '\(letter.creditor.organisationNumber)': \(error)")
        }
        let amounts = Amounts(currency: currency, sign: isCredit ? -1 : 1)
        let figures = try Figures(letter: letter, totals: totals, currency: currency)

        let root = isCredit ? "CreditNote" : "Invoice"
        let lineName = isCredit ? "cac:CreditNoteLine" : "cac:InvoiceLine"
        let quantityName = isCredit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity"
        var children: [XMLElementNode?] = [
            .leaf("cbc:CustomizationID", customizationID),
            .leaf("cbc:ProfileID", profileID),
            .leaf("cbc:ID", letter.invoiceNumber),
            .leaf("cbc:IssueDate", letter.invoiceDate.description),
        ]
        if !isCredit {
            children.append(.leaf("cbc:DueDate", letter.dueDate.description))
            children.append(.leaf("cbc:InvoiceTypeCode", TypeCode.commercialInvoice))
        } else {
            children.append(.leaf("cbc:CreditNoteTypeCode", TypeCode.creditNote))
        }
        let noteText = try note(letter, amounts: amounts)
        children += [
            .leaf("cbc:Note", noteText),
            .leaf("cbc:DocumentCurrencyCode", currency.code),
            .leaf("cbc:BuyerReference", input.buyerReference),
            input.precedingInvoice.flatMap { preceding -> XMLElementNode? in
                XMLElementNode.group(
                    "cac:BillingReference",
                    [
                        .group(
                            "cac:InvoiceDocumentReference",
                            [
                                .leaf("cbc:ID", preceding.number),
                                .leaf("cbc:IssueDate", preceding.issueDate.description),
                            ]
                        )
                    ]
                )
            },
            attachment(input.pdf, letter: letter),
            .group("cac:AccountingSupplierParty", [sellerParty(letter.creditor, number: seller)]),
            .group("cac:AccountingCustomerParty", [buyerParty(letter.debtor, endpoint: input.buyer)]),
        ]
        if !isCredit {
            children.append(try paymentMeans(letter, currency: currency))
        }
        children.append(.group("cac:PaymentTerms", [.leaf("cbc:Note", paymentTerms(letter, isCredit: isCredit))]))
        children.append(try taxTotal(figures, amounts: amounts))
        children.append(try monetaryTotal(figures, amounts: amounts))
        for (index, priced) in letter.lines.enumerated() {
            children.append(
                try line(
                    priced,
                    number: index + 1,
                    name: lineName,
                    quantityName: quantityName,
                    amounts: amounts
                )
            )
        }
        let namespace = isCredit ? Namespace.creditNote : Namespace.invoice
        return XMLElementNode(
            name: root,
            attributes: [
                ("xmlns", namespace), ("xmlns:cac", Namespace.aggregate), ("xmlns:cbc", Namespace.basic),
            ],
            text: nil,
            children: children.compactMap { $0 }
        )
    }

    /// Writes amounts in the document's currency, with the document's sign.
    struct Amounts {
        var currency: Currency
        /// −1 for a credit note, whose amounts are written positive.
        var sign: Int64

        func value(_ money: Money) throws(PeppolDocumentError) -> String {
            guard money.currency == currency else {
                throw .inconsistentTotals("\(money) in a document in \(currency.code)")
            }
            let (signed, overflow) = money.amount.multipliedReportingOverflow(by: sign)
            guard !overflow else { throw .amountOverflow("\(money)") }
            return Money(minorUnits: signed, currency).formatted(decimalSeparator: ".")
        }

        func element(_ name: String, _ money: Money) throws(PeppolDocumentError) -> XMLElementNode? {
            .leaf(name, try value(money), [("currencyID", currency.code)])
        }
    }

    /// The sums EN 16931 checks against each other (BR-CO-10 … BR-CO-16, BR-S-08), computed and compared once,
    /// overflow-checked, before anything is written.
    struct Figures {
        var lineTotal: Money
        var vatTotal: Money
        var breakdown: [InvoiceTotals.VATAmount]
        var taxExclusive: Money
        var taxInclusive: Money
        var prepaid: Money
        var rounding: Money
        var payable: Money

        init(letter: LetterData, totals: InvoiceTotals, currency: Currency) throws(PeppolDocumentError) {
            func sum(_ values: [Money], _ what: String) throws(PeppolDocumentError) -> Money {
                var total = Money.zero(currency)
                for value in values {
                    do {
                        total = try total.adding(value)
                    } catch .overflow {
                        throw .amountOverflow(what)
                    } catch {
                        throw .inconsistentTotals("\(what): \(value) in a document in \(currency.code)")
                    }
                }
                return total
            }
            func same(_ lhs: Money, _ rhs: Money, _ what: String) throws(PeppolDocumentError) {
                guard lhs == rhs else { throw .inconsistentTotals("\(what): \(lhs) ≠ \(rhs)") }
            }
            lineTotal = try sum(letter.lines.map(\.net), "the lines' net amounts")
            try same(lineTotal, totals.net, "the sum of the lines and the net total")
            // One breakdown per rate the lines use, each with the base those lines add up to (BR-S-08, BR-Z-08).
            var breakdown: [InvoiceTotals.VATAmount] = []
            for rate in Set(letter.lines.map(\.line.vatRate)).sorted(by: >) {
                let base = try sum(
                    letter.lines.filter { $0.line.vatRate == rate }.map(\.net),
                    "the lines at \(rate) %"
                )
                if let stated = totals.vat.first(where: { $0.rate == rate }) {
                    try same(stated.base, base, "the VAT base at \(rate) %")
                    breakdown.append(stated)
                } else if rate == 0 {
                    breakdown.append(.init(rate: 0, base: base, amount: .zero(currency)))
                } else {
                    throw .inconsistentTotals("no VAT amount for the lines at \(rate) %")
                }
            }
            for stated in totals.vat where !breakdown.contains(where: { $0.rate == stated.rate }) {
                guard stated.base.isZero, stated.amount.isZero else {
                    throw .inconsistentTotals("VAT at \(stated.rate) % with no line at that rate")
                }
            }
            self.breakdown = breakdown
            vatTotal = try sum(breakdown.map(\.amount), "the VAT amounts")
            taxExclusive = lineTotal
            taxInclusive = try sum([lineTotal, vatTotal], "net and VAT")
            rounding = totals.rounding
            try same(
                try sum([taxInclusive, rounding], "the total"),
                totals.total,
                "net + VAT + rounding and the total"
            )
            // A ROT/RUT reduction is paid by Skatteverket, not the buyer: it is what the buyer need not pay, as a
            // prepaid amount, so that the payable amount is exactly what the PDF asks for (BR-CO-16).
            prepaid = letter.taxReduction ?? .zero(currency)
            let negatedPrepaid: Money
            do { negatedPrepaid = try prepaid.negated() } catch { throw .amountOverflow("the tax reduction") }
            payable = try sum([taxInclusive, negatedPrepaid, rounding], "the amount due")
            try same(payable, letter.amountDue, "total − tax reduction and the amount due")
        }
    }

    /// The one document-level note Peppol allows (PEPPOL-EN16931-R002): the ROT/RUT reduction, when there is one.
    static func note(_ letter: LetterData, amounts: Amounts) throws(PeppolDocumentError) -> String? {
        guard let reduction = letter.taxReduction, !reduction.isZero else { return nil }
        let kind = letter.lines.compactMap { $0.line.taxReduction?.kind }.first?.uppercased() ?? "ROT/RUT"
        let amount = try amounts.value(reduction)
        switch letter.language {
        case .swedish:
            return "Skattereduktion (\(kind)) \(amount) \(amounts.currency.code) begärs från Skatteverket "
                + "och är avdragen från att betala (förutbetalt belopp)."
        case .english:
            return "Tax reduction (\(kind)) of \(amount) \(amounts.currency.code) is claimed from the Swedish Tax "
                + "Agency and deducted from the amount to pay (prepaid amount)."
        }
    }

    static func paymentTerms(_ letter: LetterData, isCredit: Bool) -> String {
        switch (letter.language, isCredit) {
        case (.swedish, false): "Betalas senast \(letter.dueDate) med OCR-nummer \(letter.ocr)."
        case (.english, false): "Pay by \(letter.dueDate) quoting reference \(letter.ocr)."
        case (.swedish, true): "Kreditfaktura: avräknas mot er skuld eller återbetalas."
        case (.english, true): "Credit note: set off against what you owe, or repaid."
        }
    }

    static func attachment(_ pdf: Data?, letter: LetterData) -> XMLElementNode? {
        guard let pdf, !pdf.isEmpty else { return nil }
        let fileName = "\(letter.kind.rawValue)-\(FileName.safe(letter.invoiceNumber)).pdf"
        return .group(
            "cac:AdditionalDocumentReference",
            [
                .leaf("cbc:ID", letter.invoiceNumber),
                .leaf("cbc:DocumentDescription", letter.kind == .creditInvoice ? "Credit note" : "Invoice"),
                .group(
                    "cac:Attachment",
                    [
                        .leaf(
                            "cbc:EmbeddedDocumentBinaryObject",
                            pdf.base64EncodedString(),
                            [("mimeCode", "application/pdf"), ("filename", fileName)]
                        )
                    ]
                ),
            ]
        )
    }

    static func sellerParty(_ creditor: LetterData.Creditor, number: Organisationsnummer) -> XMLElementNode? {
        let endpoint = PeppolParticipant(organisation: number)
        return .group(
            "cac:Party",
            [
                .leaf("cbc:EndpointID", endpoint.identifier, [("schemeID", endpoint.scheme)]),
                .group("cac:PartyName", [.leaf("cbc:Name", creditor.name)]),
                // Kvitt does not keep the creditor's street address; the country is what EN 16931 requires (BR-9).
                .group("cac:PostalAddress", [.group("cac:Country", [.leaf("cbc:IdentificationCode", "SE")])]),
                // BR-S-02: an invoice with standard-rated lines names the seller's VAT number, which for a Swedish
                // legal entity is SE + the organisation number + 01.
                .group(
                    "cac:PartyTaxScheme",
                    [.leaf("cbc:CompanyID", number.vatNumber), .group("cac:TaxScheme", [.leaf("cbc:ID", "VAT")])]
                ),
                .group(
                    "cac:PartyLegalEntity",
                    [
                        .leaf("cbc:RegistrationName", creditor.name),
                        .leaf(
                            "cbc:CompanyID",
                            number.canonical,
                            [("schemeID", PeppolParticipant.swedishOrganisationNumberScheme)]
                        ),
                    ]
                ),
            ]
        )
    }

    static func buyerParty(_ debtor: Debtor, endpoint: PeppolParticipant) -> XMLElementNode? {
        let legalNumber = debtor.identityNumber.flatMap { try? Organisationsnummer(parsing: $0) }
        return .group(
            "cac:Party",
            [
                .leaf("cbc:EndpointID", endpoint.identifier, [("schemeID", endpoint.scheme)]),
                .group("cac:PartyName", [.leaf("cbc:Name", debtor.name)]),
                .group(
                    "cac:PostalAddress",
                    [
                        .leaf("cbc:StreetName", debtor.address?.street),
                        .leaf("cbc:CityName", debtor.address?.city),
                        .leaf("cbc:PostalZone", debtor.address?.postalCode),
                        .group(
                            "cac:Country",
                            [.leaf("cbc:IdentificationCode", (debtor.country ?? "SE").uppercased())]
                        ),
                    ]
                ),
                .group(
                    "cac:PartyLegalEntity",
                    [
                        .leaf("cbc:RegistrationName", debtor.name),
                        legalNumber.flatMap { number -> XMLElementNode? in
                            XMLElementNode.leaf(
                                "cbc:CompanyID",
                                number.canonical,
                                [("schemeID", PeppolParticipant.swedishOrganisationNumberScheme)]
                            )
                        },
                    ]
                ),
                .group("cac:Contact", [.leaf("cbc:ElectronicMail", debtor.email)]),
            ]
        )
    }

    /// Bankgiro with the OCR reference as payment id, or IBAN (SEPA in euro) with the same reference.
    static func paymentMeans(_ letter: LetterData, currency: Currency) throws(PeppolDocumentError) -> XMLElementNode? {
        let means = letter.paymentMeans
        let code: String
        let account: String
        let branch: String?
        if let iban = means.iban, means.kind == "iban" {
            code = currency == .eur ? PaymentMeansCode.sepaCreditTransfer : PaymentMeansCode.creditTransfer
            account = iban.filter { !$0.isWhitespace }
            branch = means.bic
        } else {
            let text = means.bankgiro ?? letter.creditor.bankgiro
            do {
                account = try BankgiroNumber(parsing: text).canonical
            } catch {
                throw .unusable("the bankgiro number '\(text)': \(error)")
            }
            code = PaymentMeansCode.creditTransfer
            branch = bankgiroBranch
        }
        return .group(
            "cac:PaymentMeans",
            [
                .leaf("cbc:PaymentMeansCode", code),
                .leaf("cbc:PaymentID", means.reference),
                .group(
                    "cac:PayeeFinancialAccount",
                    [
                        .leaf("cbc:ID", account),
                        .leaf("cbc:Name", letter.creditor.name),
                        .group("cac:FinancialInstitutionBranch", [.leaf("cbc:ID", branch)]),
                    ]
                ),
            ]
        )
    }

    static func taxTotal(_ figures: Figures, amounts: Amounts) throws(PeppolDocumentError) -> XMLElementNode? {
        var children: [XMLElementNode?] = [try amounts.element("cbc:TaxAmount", figures.vatTotal)]
        for vat in figures.breakdown {
            children.append(
                .group(
                    "cac:TaxSubtotal",
                    [
                        try amounts.element("cbc:TaxableAmount", vat.base),
                        try amounts.element("cbc:TaxAmount", vat.amount),
                        taxCategory("cac:TaxCategory", rate: vat.rate),
                    ]
                )
            )
        }
        return .group("cac:TaxTotal", children)
    }

    /// `S` (standard rate) for 25, 12 and 6 %, `Z` (zero rated) for 0 %.
    static func taxCategory(_ name: String, rate: Int) -> XMLElementNode? {
        .group(
            name,
            [
                .leaf("cbc:ID", rate == 0 ? "Z" : "S"),
                .leaf("cbc:Percent", String(rate)),
                .group("cac:TaxScheme", [.leaf("cbc:ID", "VAT")]),
            ]
        )
    }

    static func monetaryTotal(_ figures: Figures, amounts: Amounts) throws(PeppolDocumentError) -> XMLElementNode? {
        .group(
            "cac:LegalMonetaryTotal",
            [
                try amounts.element("cbc:LineExtensionAmount", figures.lineTotal),
                try amounts.element("cbc:TaxExclusiveAmount", figures.taxExclusive),
                try amounts.element("cbc:TaxInclusiveAmount", figures.taxInclusive),
                figures.prepaid.isZero ? nil : try amounts.element("cbc:PrepaidAmount", figures.prepaid),
                figures.rounding.isZero ? nil : try amounts.element("cbc:PayableRoundingAmount", figures.rounding),
                try amounts.element("cbc:PayableAmount", figures.payable),
            ]
        )
    }

    /// One line. The item price is never negative (BR-27): a line's sign is carried by its quantity, so that
    /// quantity × price is the line amount (PEPPOL-EN16931-R120).
    static func line(
        _ priced: PricedLine,
        number: Int,
        name: String,
        quantityName: String,
        amounts: Amounts
    ) throws(PeppolDocumentError) -> XMLElementNode? {
        let line = priced.line
        var quantity = amounts.sign < 0 ? line.quantity.negated : line.quantity
        if line.unitPrice < 0 { quantity = quantity.negated }
        guard line.unitPrice != .min else { throw .amountOverflow("the unit price of line \(number)") }
        let price = Money(minorUnits: abs(line.unitPrice), amounts.currency)
        let itemName = line.description.trimmingCharacters(in: .whitespacesAndNewlines)
        return .group(
            name,
            [
                .leaf("cbc:ID", String(number)),
                .leaf(quantityName, quantity.description, [("unitCode", UnitCode.recommendation20(for: line.unit))]),
                try amounts.element("cbc:LineExtensionAmount", priced.net),
                .group(
                    "cac:Item",
                    [
                        .leaf("cbc:Name", itemName.isEmpty ? "Rad \(number)" : line.description),
                        taxCategory("cac:ClassifiedTaxCategory", rate: line.vatRate),
                    ]
                ),
                .group(
                    "cac:Price",
                    [
                        .leaf(
                            "cbc:PriceAmount",
                            price.formatted(decimalSeparator: "."),
                            [("currencyID", amounts.currency.code)]
                        )
                    ]
                ),
            ]
        )
    }
}

/// Units of measure as UN/ECE Recommendation 20 codes, which Peppol requires (BR-CL-23); the invoice's own unit
/// words are Swedish or English free text.
enum UnitCode {
    static func recommendation20(for unit: String?) -> String {
        let word = (unit ?? "").trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(
            of: ".",
            with: ""
        )
        return switch word {
        case "h", "tim", "timme", "timmar", "hour", "hours", "hr": "HUR"
        case "min", "minut", "minuter", "minute", "minutes": "MIN"
        case "dag", "dagar", "day", "days": "DAY"
        case "vecka", "veckor", "week", "weeks": "WEE"
        case "mån", "månad", "månader", "month", "months": "MON"
        case "år", "year", "years": "ANN"
        case "kg": "KGM"
        case "g": "GRM"
        case "ton", "t": "TNE"
        case "m": "MTR"
        case "km": "KMT"
        case "m2", "m²", "kvm": "MTK"
        case "m3", "m³": "MTQ"
        case "l", "liter", "litre": "LTR"
        case "kwh": "KWH"
        case "st", "styck", "pcs", "pc", "piece", "pieces", "ea", "each": "H87"
        default: "C62"  // "one": a unit without a code of its own
        }
    }
}
