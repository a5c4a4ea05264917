import Foundation
import KvittContracts

/// Who collects the claims when the creditor has handed them over, and where a debtor disputes a claim: the
/// sender details inkassolagen 5 § and good collection practice ask for, from the service's settings.
struct CollectorDetails: Sendable, Equatable {
    /// The collection agency's name; `nil` when creditors collect their own claims through Kvitt.
    var name: String?
    var organisationNumber: String?
    /// Where a debtor writes to dispute a claim or ask about it (address, e-mail or telephone).
    var contact: String
}

/// Why a document cannot be made as its data stands (parked as `render-failed`, never sent half right).
enum LetterError: Error, Equatable, CustomStringConvertible {
    case deadlineTooShort(payBy: CalendarDate?, sentOn: CalendarDate)
    case amountOverflow(String)

    var description: String {
        switch self {
        case .deadlineTooShort(let payBy, let sentOn):
            "a collection letter dated \(sentOn) needs a pay-by date at least \(DocumentView.minimumDaysToPay) days "
                + "later, and the event gave \(payBy.map { "\($0)" } ?? "none")"
        case .amountOverflow(let what): "\(what) overflows"
        }
    }
}

/// The values a template shows, formatted for the document's language: only strings, booleans and lists, so
/// the templates hold no logic and every value is escaped by the HTML content type.
enum DocumentView {
    /// IMY's general advice on collection: at least eight days from the day the letter is sent (docs/letters.md).
    static let minimumDaysToPay = 8

    static func make(_ letter: LetterData, collector: CollectorDetails) throws(LetterError) -> [String: Any] {
        let language = letter.language
        let labels = DocumentLabels.table(language)
        var view: [String: Any] = [
            "l": labels,
            "lang": language.rawValue,
            "title": labels[letter.kind.rawValue] ?? letter.kind.rawValue,
            "documentDate": letter.documentDate.description,
            "creditorName": letter.creditor.name,
            "creditorOrganisationNumber": letter.creditor.organisationNumber,
            "debtorName": letter.debtor.name,
            "debtorAddress": addressLines(letter.debtor).map { ["line": $0] },
            "invoiceNumber": letter.invoiceNumber,
            "ocr": letter.ocr,
            "invoiceDate": letter.invoiceDate.description,
            "dueDate": letter.dueDate.description,
            "amountDue": money(letter.amountDue, language),
            "payBy": (letter.payBy ?? letter.dueDate).description,
            "payment": payment(letter),
            "collectorContact": collector.contact,
        ]
        // The collector is named on what it sends (inkassolagen 5 §), not on the creditor's own invoice and reminder.
        let fromCollector: Set<DocumentKind> = [.collectionLetter, .surveillanceLetter, .enforcementApplication]
        if let name = collector.name, fromCollector.contains(letter.kind) {
            view["collector"] = ["name": name, "organisationNumber": collector.organisationNumber ?? ""]
        }
        if let identity = letter.debtor.identityNumber {
            view["debtorIdentity"] = PersonalDataMasking.maskValidIdentityNumbers(identity)
        }
        switch letter.kind {
        case .invoice, .creditInvoice:
            view["isCredit"] = letter.kind == .creditInvoice
            view["lines"] = letter.lines.map { line in
                [
                    "description": line.line.description,
                    "quantity": line.line.quantity.description,
                    "unit": line.line.unit ?? "",
                    "unitPrice": money(Money(minorUnits: line.line.unitPrice, letter.amountDue.currency), language),
                    "vatRate": "\(line.line.vatRate) %",
                    "net": money(line.net, language),
                ]
            }
            if let totals = letter.totals {
                view["net"] = money(totals.net, language)
                view["vat"] = totals.vat.map { ["rate": "\($0.rate) %", "amount": money($0.amount, language)] }
                if !totals.rounding.isZero { view["rounding"] = money(totals.rounding, language) }
                view["total"] = money(totals.total, language)
            }
            if let reduction = letter.taxReduction, !reduction.isZero {
                view["taxReduction"] = money(reduction, language)
            }
            view["amountToPay"] = money(letter.amountDue, language)
        case .reminder, .collectionLetter, .surveillanceLetter, .enforcementApplication:
            if letter.kind == .collectionLetter {
                let earliest = letter.documentDate.adding(days: minimumDaysToPay)
                guard let payBy = letter.payBy, payBy >= earliest else {
                    throw .deadlineTooShort(payBy: letter.payBy, sentOn: letter.documentDate)
                }
            }
            let standing = try claim(letter)
            view["fees"] = letter.fees.map { fee in
                var row: [String: Any] = [
                    "label": labels["fee-\(fee.kind)"] ?? fee.kind,
                    "amount": money(fee.amount, language),
                ]
                if let basis = fee.legalBasis { row["legalBasis"] = basis }
                return row
            }
            if let interest = letter.interest, !interest.isZero {
                view["interest"] = [
                    "amount": money(interest, language),
                    "from": letter.dueDate.adding(days: 1).description,
                    "through": letter.documentDate.description,
                ]
            }
            if standing.settled.amount != 0 { view["settled"] = money(standing.settled, language) }
            view["amountToPay"] = money(standing.outstanding, language)
            view["detail"] = letter.detail ?? ""
        }
        return view
    }

    /// The claim as it stands: what was paid or credited is what the capital, fees and interest exceed the
    /// outstanding amount by, so the letter's lines add up to exactly what debt-collection says is owed.
    static func claim(_ letter: LetterData) throws(LetterError) -> (outstanding: Money, settled: Money) {
        var charged = letter.amountDue
        do {
            for fee in letter.fees where fee.amount.currency == charged.currency {
                charged = try charged.adding(fee.amount)
            }
            if let interest = letter.interest { charged = try charged.adding(interest) }
            let outstanding = letter.outstanding ?? charged
            return (outstanding, try charged.subtracting(outstanding))
        } catch {
            throw .amountOverflow("the claim of invoice \(letter.invoiceNumber)")
        }
    }

    static func addressLines(_ debtor: Debtor) -> [String] {
        guard let address = debtor.address else { return [] }
        var lines = [address.street, "\(address.postalCode) \(address.city)"]
        if !debtor.isDomestic, let country = debtor.country { lines.append(country.uppercased()) }
        return lines
    }

    static func payment(_ letter: LetterData) -> [String: Any] {
        let means = letter.paymentMeans
        var view: [String: Any] = ["reference": means.reference]
        if let bankgiro = means.bankgiro ?? (means.kind == "bankgiro-ocr" ? letter.creditor.bankgiro : nil) {
            view["bankgiro"] = bankgiro
        }
        if let iban = means.iban { view["iban"] = iban }
        if let bic = means.bic { view["bic"] = bic }
        return view
    }

    /// `1 234,50 kr` in Swedish, `SEK 1,234.50` in English.
    static func money(_ money: Money, _ language: DocumentLanguage) -> String {
        switch language {
        case .swedish:
            let number = money.formatted(decimalSeparator: ",", groupingSeparator: "\u{00A0}", minus: "−")
            return money.currency == .sek ? "\(number)\u{00A0}kr" : "\(number)\u{00A0}\(money.currency.code)"
        case .english:
            return
                "\(money.currency.code)\u{00A0}\(money.formatted(decimalSeparator: ".", groupingSeparator: ",", minus: "-"))"
        }
    }
}
