import KvittContracts

/// Renders an issued (or draft) invoice as an HTML document.
///
/// A SEK invoice to a Swedish debtor uses the Swedish layout with bankgiro and OCR; a foreign debtor or another
/// currency gets the English layout with IBAN and BIC. Both show the VAT summary, öresavrundning, ROT/RUT lines with
/// the Skattereduktion deduction, and credit invoices are marked K / Kreditfaktura.
enum InvoiceDocument {
    struct Labels {
        let title: String
        let creditTitle: String
        let number: String
        let date: String
        let due: String
        let ocr: String
        let description: String
        let quantity: String
        let price: String
        let vat: String
        let amount: String
        let net: String
        let vatSummary: String
        let rounding: String
        let total: String
        let reduction: String
        let toPay: String
        let payTo: String
        let ourReference: String
        let yourReference: String
        let draft: String
        let creditOf: String
    }

    static let swedish = Labels(
        title: "Faktura",
        creditTitle: "Kreditfaktura",
        number: "Fakturanummer",
        date: "Fakturadatum",
        due: "Förfallodatum",
        ocr: "OCR-nummer",
        description: "Beskrivning",
        quantity: "Antal",
        price: "À-pris",
        vat: "Moms",
        amount: "Belopp",
        net: "Summa exkl. moms",
        vatSummary: "Moms",
        rounding: "Öresavrundning",
        total: "Summa att betala",
        reduction: "Skattereduktion",
        toPay: "Att betala",
        payTo: "Betala till bankgiro",
        ourReference: "Vår referens",
        yourReference: "Er referens",
        draft: "UTKAST – ej attesterad",
        creditOf: "Krediterar faktura"
    )

    static let english = Labels(
        title: "Invoice",
        creditTitle: "Credit note",
        number: "Invoice number",
        date: "Invoice date",
        due: "Due date",
        ocr: "Payment reference",
        description: "Description",
        quantity: "Quantity",
        price: "Unit price",
        vat: "VAT",
        amount: "Amount",
        net: "Total excl. VAT",
        vatSummary: "VAT",
        rounding: "Rounding",
        total: "Total",
        reduction: "Tax reduction",
        toPay: "Amount due",
        payTo: "Pay by bank transfer to",
        ourReference: "Our reference",
        yourReference: "Your reference",
        draft: "DRAFT – not attested",
        creditOf: "Credits invoice"
    )

    static func render(
        _ invoice: InvoiceView,
        creditorName: String,
        creditorOrganisationNumber: String? = nil,
        originalNumber: String?
    ) -> String {
        let domestic = invoice.totals.total.currency == .sek && invoice.debtor.isDomestic
        let labels = domestic ? swedish : english
        // Swedish documents write amounts the Swedish way, with a decimal comma.
        let amount: (Money) -> String = { money in Self.amount(money, decimalSeparator: domestic ? "," : ".") }
        let isCredit = invoice.kind == "credit"
        var html = """
            <!DOCTYPE html>
            <html lang="\(domestic ? "sv" : "en")"><head><meta charset="utf-8">
            <title>\(escape(isCredit ? labels.creditTitle : labels.title)) \(escape(invoice.number ?? ""))</title>
            <style>
            body{font-family:sans-serif;max-width:48em;margin:2em auto;color:#222}
            table{width:100%;border-collapse:collapse}td,th{padding:.3em;border-bottom:1px solid #ddd;text-align:left}
            .num{text-align:right}.credit{color:#b00;font-weight:bold}.pay{border:2px solid #222;padding:1em;margin-top:1em}
            </style></head><body>
            <header><h1>\(escape(isCredit ? "K – " + labels.creditTitle : labels.title))</h1>
            <p>\(escape(creditorName))\(Self.organisationLine(creditorOrganisationNumber, domestic: domestic))</p>
            """
        if invoice.status == "draft" { html += "<p class=\"credit\">\(escape(labels.draft))</p>" }
        if isCredit, let originalNumber {
            html += "<p class=\"credit\">\(escape(labels.creditOf)) \(escape(originalNumber))</p>"
        }
        html += "</header><section><table>"
        html += row(labels.number, invoice.number ?? "–")
        html += row(labels.date, invoice.invoiceDate.description)
        html += row(labels.due, invoice.dueDate.description)
        if let ocr = invoice.ocr { html += row(labels.ocr, ocr) }
        html += "</table></section><section><h2>\(escape(invoice.debtor.name))</h2>"
        if let address = invoice.debtor.address {
            html += "<p>\(escape(address.street))<br>\(escape(address.postalCode)) \(escape(address.city))"
            html += invoice.debtor.isDomestic ? "</p>" : "<br>\(escape(invoice.debtor.country ?? ""))</p>"
        }
        html += """
            </section><section><table><thead><tr><th>\(escape(labels.description))</th><th class="num">\(escape(labels.quantity))</th>
            <th class="num">\(escape(labels.price))</th><th class="num">\(escape(labels.vat))</th>
            <th class="num">\(escape(labels.amount))</th></tr></thead><tbody>
            """
        let currency = invoice.totals.total.currency
        for line in invoice.lines {
            var description = escape(line.line.description)
            if let marking = line.line.taxReduction {
                description += " <em>(\(escape(marking.kind.uppercased())): \(escape(marking.workType)))</em>"
            }
            html += "<tr><td>\(description)</td><td class=\"num\">\(escape(line.line.quantity.description)) "
            html += "\(escape(line.line.unit ?? ""))</td>"
            html += "<td class=\"num\">\(amount(Money(minorUnits: line.line.unitPrice, currency)))</td>"
            html += "<td class=\"num\">\(line.line.vatRate) %</td><td class=\"num\">\(amount(line.net))</td></tr>"
        }
        html += "</tbody></table></section><section><table>"
        html += row(labels.net, amount(invoice.totals.net), numeric: true)
        for vat in invoice.totals.vat {
            html += row("\(labels.vatSummary) \(vat.rate) % (\(amount(vat.base)))", amount(vat.amount), numeric: true)
        }
        if !invoice.totals.rounding.isZero {
            html += row(labels.rounding, amount(invoice.totals.rounding), numeric: true)
        }
        html += row(labels.total, amount(invoice.totals.total), numeric: true)
        if let reduction = invoice.taxReduction {
            html += row(
                "\(labels.reduction) (\(reduction.request.kind.uppercased()), \(reduction.request.request.buyers.count) "
                    + (domestic ? "köpare" : "buyers") + ")",
                "−" + amount(reduction.amount),
                numeric: true
            )
        }
        html += row(labels.toPay, amount(invoice.amountDue), numeric: true)
        html += "</table></section>"
        if let reduction = invoice.taxReduction {
            html += Self.reductionDetails(reduction.request, domestic: domestic)
        }
        if let means = invoice.paymentMeans, !isCredit {
            html += "<section class=\"pay\">"
            if means.kind == "bankgiro-ocr" {
                html += "<p>\(escape(labels.payTo)) <strong>\(escape(means.bankgiro ?? ""))</strong></p>"
                html += "<p>\(escape(labels.ocr)): <strong>\(escape(means.reference))</strong></p>"
            } else {
                html += "<p>\(escape(labels.payTo)):</p><p>IBAN <strong>\(escape(means.iban ?? ""))</strong><br>"
                html += "BIC <strong>\(escape(means.bic ?? ""))</strong><br>"
                html += "\(escape(labels.ocr)): <strong>\(escape(means.reference))</strong></p>"
            }
            html +=
                "<p>\(escape(labels.toPay)): <strong>\(amount(invoice.amountDue))</strong> \(escape(labels.due).lowercased()) "
            html += "\(invoice.dueDate)</p></section>"
        }
        html += "</body></html>\n"
        return html
    }

    /// The creditor's organisation and VAT numbers, which a Swedish invoice must show.
    static func organisationLine(_ number: String?, domestic: Bool) -> String {
        guard let number, let parsed = try? Organisationsnummer(parsing: number) else { return "" }
        return "<br>" + (domestic ? "Org.nr " : "Reg. no. ") + escape(parsed.formatted)
            + (domestic ? " · Momsreg.nr " : " · VAT ")
            + escape(parsed.vatNumber)
    }

    /// What Skatteverket requires a ROT/RUT invoice to show: the buyers' personnummer, the work and, for ROT, the
    /// property (docs/domain.md §5.3).
    static func reductionDetails(_ detail: TaxReductionDetail, domestic: Bool) -> String {
        let request = detail.request
        var html =
            "<section><h3>" + (domestic ? "Skattereduktion" : "Tax reduction")
            + " (\(escape(detail.kind.uppercased())))</h3><p>"
        html += (domestic ? "Köpare: " : "Buyers: ") + request.buyers.map(escape).joined(separator: ", ") + "<br>"
        html +=
            (domestic ? "Arbete: " : "Work: ")
            + detail.workTypes.map { "\(escape($0.workType)) \($0.hours) h" }.joined(separator: ", ")
            + " · " + (domestic ? "timmar att rapportera: " : "hours reported: ") + "\(request.hoursToReport)"
        if let property = request.propertyDesignation, !property.isEmpty {
            html += "<br>" + (domestic ? "Fastighetsbeteckning: " : "Property: ") + escape(property)
        } else if let association = request.housingAssociationOrgNumber {
            html +=
                "<br>" + (domestic ? "Bostadsrättsförening: " : "Housing association: ") + escape(association)
                + (domestic ? ", lägenhet " : ", apartment ") + escape(request.apartmentNumber ?? "")
        }
        return html + "</p></section>"
    }

    static func row(_ label: String, _ value: String, numeric: Bool = false) -> String {
        "<tr><th>\(escape(label))</th><td\(numeric ? " class=\"num\"" : "")>\(numeric ? value : escape(value))</td></tr>"
    }

    /// An amount with a no-break space as thousands separator and the currency code: `12 500.00 SEK`.
    static func amount(_ money: Money, decimalSeparator: String = ".") -> String {
        money.formatted(decimalSeparator: decimalSeparator, groupingSeparator: "\u{00A0}", minus: "−") + "\u{00A0}"
            + money.currency.code
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
