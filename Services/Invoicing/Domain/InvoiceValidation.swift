import Foundation
import KvittContracts

/// Validates a create-invoice command against the creditor's settings and Swedish rules.
enum InvoiceValidation {
    static func errors(_ command: CreateInvoice, creditor: RegisterCreditor?, today: Date) -> [FieldError] {
        var errors: [FieldError] = []
        if creditor == nil {
            errors.append(FieldError("creditorID", "no creditor '\(command.creditorID)' is registered"))
        }
        errors += externalIDErrors(command.externalID)
        errors += debtorErrors(command.debtor, today: today)
        let currency = Currency(code: command.currency)
        if currency == nil {
            errors.append(FieldError("currency", "unknown ISO 4217 currency '\(command.currency)'"))
        }
        let needsForeignAccount = currency != .sek || !command.debtor.isDomestic
        if let creditor, let currency, needsForeignAccount,
            !creditor.foreignAccounts.contains(where: { $0.currency == currency.code })
        {
            errors.append(
                FieldError(
                    "currency",
                    "the creditor has no IBAN account for \(currency.code), which a foreign or non-SEK invoice is paid to"
                )
            )
        }
        if let due = command.dueDate, due < command.invoiceDate {
            errors.append(FieldError("dueDate", "must not be before the invoice date"))
        }
        if let terms = command.paymentTermsDays, !(0...365).contains(terms) {
            errors.append(FieldError("paymentTermsDays", "must be between 0 and 365"))
        } else if command.dueDate == nil, let creditor, dueDate(command, creditor: creditor) == nil {
            // Every date an invoice carries goes out in its events, which consumers decode within the supported range.
            errors.append(
                FieldError(
                    command.paymentTermsDays == nil ? "invoiceDate" : "paymentTermsDays",
                    "the due date (invoice date + payment terms) falls after \(CalendarDate.supportedRange.upperBound)"
                )
            )
        }
        errors += taxReductionErrors(command, currency: currency, today: today)
        return errors
    }

    /// The most characters of an upstream's external id: an order or case number, not a document (as long as the
    /// longest message id, an AMQP short string).
    static let maximumExternalIDLength = 255

    /// What is wrong with an upstream's external id (of an invoice or a credit invoice): it names the invoice in
    /// every event and listing, so it is one short line.
    static func externalIDErrors(_ externalID: String) -> [FieldError] {
        if externalID.trimmingCharacters(in: .whitespaces).isEmpty {
            return [FieldError("externalID", "must not be empty")]
        }
        if externalID.count > maximumExternalIDLength {
            return [FieldError("externalID", "must be at most \(maximumExternalIDLength) characters")]
        }
        if externalID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return [FieldError("externalID", "must not contain control characters")]
        }
        return []
    }

    /// The due date: as given, or the invoice date + the command's (or the creditor's) payment terms; `nil` when that
    /// leaves the supported dates.
    static func dueDate(_ command: CreateInvoice, creditor: RegisterCreditor) -> CalendarDate? {
        if let due = command.dueDate { return due }
        return command.invoiceDate.adding(
            days: command.paymentTermsDays ?? creditor.paymentTermsDays,
            within: CalendarDate.supportedRange
        )
    }

    static func debtorErrors(_ debtor: Debtor, today: Date) -> [FieldError] {
        var errors: [FieldError] = []
        if debtor.name.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("debtor.name", "must not be empty"))
        }
        guard debtor.kind == "private" || debtor.kind == "company" else {
            return errors + [FieldError("debtor.kind", "must be private or company")]
        }
        if let country = debtor.country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append(FieldError("debtor.country", "must be an ISO 3166 two-letter code"))
        }
        errors += DebtorAddressRules.errors(debtor.address, domestic: debtor.isDomestic, prefix: "debtor.")
        if debtor.isDomestic {
            guard let number = debtor.identityNumber else {
                return errors + [
                    FieldError(
                        "debtor.identityNumber",
                        debtor.kind == "private"
                            ? "a Swedish private debtor needs a personnummer or samordningsnummer"
                            : "a Swedish company needs an organisationsnummer"
                    )
                ]
            }
            do {
                if debtor.kind == "private" {
                    _ = try Personnummer(parsing: number, referenceDate: today)
                } else {
                    _ = try SwedishIdentity(parsing: number, referenceDate: today)
                }
            } catch {
                errors.append(FieldError("debtor.identityNumber", "\(error)"))
            }
        }
        // Only the fields added with delivery's channels: an e-mail address's form was never checked here.
        errors += DebtorContactRules.channelErrors(
            email: debtor.email,
            preferredChannel: debtor.preferredChannel,
            peppolID: debtor.peppolID,
            prefix: "debtor."
        )
        return errors
    }

    /// The first day of work each reduction can be for: RUT began on 2007-07-01 (prop. 2006/07:94), ROT on
    /// 2008-12-08 (prop. 2008/09:178).
    static let firstDayOfWork: [String: CalendarDate] = [
        "rut": CalendarDate(year: 2007, month: 7, day: 1)!,
        "rot": CalendarDate(year: 2008, month: 12, day: 8)!,
    ]

    /// How long after the invoice date the stated work may end: an invoice may come before the work (and the
    /// payment after it), but not a year before.
    static let workEndsWithinDaysOfInvoice = 366

    /// What is wrong with a ROT/RUT work period: it must run forwards, start no earlier than the reduction existed
    /// and end within ``workEndsWithinDaysOfInvoice`` of the invoice date. Tax-reduction reads the period to decide
    /// the rate, so a period that cannot be true is refused with the invoice rather than later.
    static func workPeriodErrors(_ period: CreateInvoice.WorkPeriod, kind: String, invoiceDate: CalendarDate)
        -> [FieldError]
    {
        var errors: [FieldError] = []
        if period.through < period.from {
            errors.append(FieldError("taxReduction.workPeriod.through", "the last day of work is before the first"))
        }
        if let first = firstDayOfWork[kind], period.from < first {
            errors.append(
                FieldError("taxReduction.workPeriod.from", "\(kind.uppercased()) is for work from \(first) on")
            )
        }
        if period.through > invoiceDate.adding(days: workEndsWithinDaysOfInvoice) {
            errors.append(
                FieldError(
                    "taxReduction.workPeriod.through",
                    "the work ends more than \(workEndsWithinDaysOfInvoice) days after the invoice date"
                )
            )
        }
        return errors
    }

    static func taxReductionErrors(_ command: CreateInvoice, currency: Currency?, today: Date) -> [FieldError] {
        var errors: [FieldError] = []
        let kinds = Set(command.lines.compactMap { $0.taxReduction?.kind })
        for (index, line) in command.lines.enumerated() {
            guard let marking = line.taxReduction else { continue }
            if line.costKind != nil {
                errors.append(
                    FieldError(
                        "lines[\(index)].costKind",
                        "a ROT/RUT labour line has no cost kind; it is for other lines"
                    )
                )
            }
            if marking.kind != "rot" && marking.kind != "rut" {
                errors.append(FieldError("lines[\(index)].taxReduction.kind", "must be rot or rut"))
            }
            if marking.workType.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(FieldError("lines[\(index)].taxReduction.workType", "must name Skatteverket's work type"))
            }
            if let hours = marking.hours, hours.isNegative {
                errors.append(FieldError("lines[\(index)].taxReduction.hours", "must not be negative"))
            }
            if let cost = marking.materialCost, cost.magnitude > InvoicePricing.maximumAmount {
                errors.append(
                    FieldError(
                        "lines[\(index)].taxReduction.materialCost",
                        "must be at most \(InvoicePricing.maximumAmount) minor units"
                    )
                )
            }
        }
        guard !kinds.isEmpty else {
            if command.taxReduction != nil {
                errors.append(FieldError("taxReduction", "given, but no line is marked ROT or RUT"))
            }
            return errors
        }
        if kinds.count > 1 {
            errors.append(FieldError("lines", "ROT and RUT lines cannot be on the same invoice"))
        }
        if currency != .sek { errors.append(FieldError("currency", "ROT and RUT invoices are in SEK")) }
        if command.debtor.kind != "private" || !command.debtor.isDomestic {
            errors.append(FieldError("debtor.kind", "ROT and RUT are for Swedish private persons"))
        }
        guard let request = command.taxReduction else {
            return errors + [FieldError("taxReduction", "ROT/RUT lines need the buyers and the hours to report")]
        }
        if request.buyers.isEmpty { errors.append(FieldError("taxReduction.buyers", "at least one buyer")) }
        var seen: Set<String> = []
        for (index, buyer) in request.buyers.enumerated() {
            do {
                let number = try Personnummer(parsing: buyer, referenceDate: today)
                if !seen.insert(number.canonical).inserted {
                    errors.append(FieldError("taxReduction.buyers[\(index)]", "the same buyer twice"))
                }
            } catch {
                errors.append(FieldError("taxReduction.buyers[\(index)]", "\(error)"))
            }
        }
        if let period = request.workPeriod, kinds.count == 1, let kind = kinds.first {
            errors += workPeriodErrors(period, kind: kind, invoiceDate: command.invoiceDate)
        }
        if request.hoursToReport < 0 || request.hoursToReport > 999 * max(1, request.buyers.count) {
            errors.append(FieldError("taxReduction.hoursToReport", "must be between 0 and 999 per buyer"))
        }
        if kinds == ["rot"] {
            let hasProperty = !(request.propertyDesignation ?? "").trimmingCharacters(in: .whitespaces).isEmpty
            let hasApartment =
                request.housingAssociationOrgNumber != nil
                && !(request.apartmentNumber ?? "").trimmingCharacters(in: .whitespaces).isEmpty
            if !hasProperty && !hasApartment {
                errors.append(
                    FieldError(
                        "taxReduction.propertyDesignation",
                        "ROT needs the property designation, or the housing association's organisationsnummer and the apartment number"
                    )
                )
            }
            if let association = request.housingAssociationOrgNumber {
                do { _ = try Organisationsnummer(parsing: association) } catch {
                    errors.append(FieldError("taxReduction.housingAssociationOrgNumber", "\(error)"))
                }
            }
        }
        return errors
    }
}
