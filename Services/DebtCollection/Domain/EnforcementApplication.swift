import KvittContracts

/// The content of an application to Kronofogden for betalningsföreläggande on one unpaid invoice.
///
/// What the application holds (docs/domain.md §7.6,): the applicant's and the debtor's identity numbers
/// and names; the amount excluding interest and costs (the capital); interest up to the application day and on until
/// paid; the due date; the grounds in plain Swedish; and the costs claimed from the debtor (§7.1): the inkasso fee
/// (180 kr; from a business debtor 450 kr förseningsersättning instead of it and of the reminder fee), the reminder fee
/// when one was charged,
/// and Kronofogden's 300 kr application fee, which the applicant pays and claims back. The ~380 kr compensation for
/// preparing the application that Kronofogden mentions ("usually SEK 380", §7.1) is not added automatically.
/// Kronofogden's file formats (flatfil, XML) are not known field by field (§7.6, UNCONFIRMED); this is the content,
/// not a file.
///
/// ``description`` masks the debtor: the personnummer shows only its date (`19811218-****`) and a private person's
/// name only its initials, so the value can be logged. The encoded form carries everything, for the application
/// itself.
struct EnforcementApplication: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The applicant or the debtor.
    struct Party: Sendable, Equatable, Codable {
        /// The name: a company name or a person's full name.
        let name: String
        /// The organisationsnummer, or the personnummer of a private person or sole trader.
        let identity: SwedishIdentity
    }

    /// A cost claimed from the debtor.
    struct Fee: Sendable, Equatable, Codable {
        let kind: CollectionFees.Kind
        let amount: Money
        /// The provision the fee is claimed under (``CollectionFees/Kind/legalBasis``).
        let legalBasis: String

        /// A fee of `kind` at its statutory amount.
        init(_ kind: CollectionFees.Kind) {
            self.kind = kind
            self.amount = kind.amount
            self.legalBasis = kind.legalBasis
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(CollectionFees.Kind.self, forKey: .kind)
            amount = try container.decode(Money.self, forKey: .amount)
            // Applications prepared before the legal basis was recorded name none; the kind decides it.
            legalBasis = try container.decodeIfPresent(String.self, forKey: .legalBasis) ?? kind.legalBasis
        }
    }

    /// The dröjsmålsränta claimed: a computed amount up to the application day, and the rate that runs on until
    /// payment.
    struct Interest: Sendable, Equatable, Codable {
        /// The first day with interest: the day after the due date.
        let from: CalendarDate
        /// The last day included in ``amount``: the application day.
        let through: CalendarDate
        /// The annual rate on ``through``, which runs on until paid (reference rate + margin), in basis points.
        let annualRateBasisPoints: Int
        /// The margin over the reference rate, 800 (räntelagen 6 §).
        let marginBasisPoints: Int
        /// The interest from ``from`` through ``through``.
        let amount: Money
        /// The interest per rate period.
        let periods: [LateInterest.Period]
    }

    /// Who applies: the creditor.
    let applicant: Party
    /// Who owes.
    let debtor: Party
    /// The unpaid invoice.
    let invoiceNumber: String
    /// The amount owed excluding interest and costs.
    let capital: Money
    /// The invoice's due date.
    let dueDate: CalendarDate
    /// The interest claimed.
    let interest: Interest
    /// The costs claimed.
    let fees: [Fee]
    /// Capital, interest and fees together.
    let total: Money
    /// The grounds in Swedish, e.g. "Obetald faktura 1001 förfallen 2026-04-01".
    let grounds: String

    /// An application from its parts; the total is computed. Throws when the amounts are in different currencies.
    init(
        applicant: Party,
        debtor: Party,
        invoiceNumber: String,
        capital: Money,
        dueDate: CalendarDate,
        interest: Interest,
        fees: [Fee],
        grounds: String
    ) throws(DebtCollectionError) {
        var total = capital
        do throws(MoneyError) {
            total = try total.adding(interest.amount)
            for fee in fees { total = try total.adding(fee.amount) }
        } catch {
            throw .money(error)
        }
        self.applicant = applicant
        self.debtor = debtor
        self.invoiceNumber = invoiceNumber
        self.capital = capital
        self.dueDate = dueDate
        self.interest = interest
        self.fees = fees
        self.total = total
        self.grounds = grounds
    }

    /// Prepares the application on `applicationDate`: interest on `capital` from the day after `dueDate` through
    /// the application day at the reference rate + 8 percentage points; fees: the inkassokrav's 180 kr, the reminder
    /// fee when `reminderFeeCharged`, and Kronofogden's 300 kr; when `latePaymentCompensationCharged`, the 450 kr
    /// förseningsersättning replaces the inkasso and reminder fees (lag 1981:739 5 §); grounds from the invoice number
    /// and due date.
    static func prepare(
        applicant: Party,
        debtor: Party,
        invoiceNumber: String,
        capital: Money,
        dueDate: CalendarDate,
        applicationDate: CalendarDate,
        table: ReferenceRateTable,
        reminderFeeCharged: Bool,
        latePaymentCompensationCharged: Bool = false
    ) throws(DebtCollectionError) -> EnforcementApplication {
        let lateInterest = try LateInterest.calculate(
            principal: capital,
            dueDate: dueDate,
            through: applicationDate,
            table: table
        )
        guard let referenceRate = table.rate(on: applicationDate) else {
            throw .noReferenceRate(on: applicationDate)
        }
        let margin = LateInterest.statutoryMarginBasisPoints
        let interest = Interest(
            from: lateInterest.from,
            through: lateInterest.through,
            annualRateBasisPoints: referenceRate + margin,
            marginBasisPoints: margin,
            amount: lateInterest.amount,
            periods: lateInterest.periods
        )
        var fees: [Fee]
        if latePaymentCompensationCharged {
            fees = [Fee(.latePaymentCompensation)]
        } else {
            fees = [Fee(.collectionLetter)]
            if reminderFeeCharged { fees.append(Fee(.reminder)) }
        }
        fees.append(Fee(.kronofogdenApplication))
        // The statutory fees are kronor: a claim in another currency carries none of them (as when it was charged).
        fees.removeAll { $0.amount.currency != capital.currency }
        return try EnforcementApplication(
            applicant: applicant,
            debtor: debtor,
            invoiceNumber: invoiceNumber,
            capital: capital,
            dueDate: dueDate,
            interest: interest,
            fees: fees,
            grounds: grounds(invoiceNumber: invoiceNumber, dueDate: dueDate)
        )
    }

    /// The grounds for an unpaid invoice: "Obetald faktura 1001 förfallen 2026-04-01".
    static func grounds(invoiceNumber: String, dueDate: CalendarDate) -> String {
        "Obetald faktura \(invoiceNumber) förfallen \(dueDate)"
    }

    /// The application with the debtor masked, for logs.
    var description: String {
        // A decoded document's fees are anybody's numbers: a sum that overflows is shown as such, not trapped on.
        let feeTotal =
            (try? CheckedAmount.sum(fees.lazy.map(\.amount.amount), "the fees"))
            .map { "\(Money(minorUnits: $0, capital.currency))" } ?? "(too large)"
        return "Ansökan om betalningsföreläggande: \(applicant.name) (\(applicant.identity)) mot "
            + "\(Self.masked(debtor)) (\(debtor.identity)); \(grounds); kapital \(capital), "
            + "ränta \(Self.percent(interest.annualRateBasisPoints)) \(interest.from)–\(interest.through) "
            + "\(interest.amount), avgifter \(feeTotal), totalt \(total)"
    }

    var debugDescription: String { description }

    var customMirror: Mirror { Mirror(self, children: ["masked": description], displayStyle: .struct) }

    private enum CodingKeys: String, CodingKey {
        case applicant, debtor, invoiceNumber, capital, dueDate, interest, fees, total, grounds
    }

    /// Decodes and recomputes the total, refusing a document whose stated total does not match its parts.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let stated = try container.decode(Money.self, forKey: .total)
        try self.init(
            applicant: container.decode(Party.self, forKey: .applicant),
            debtor: container.decode(Party.self, forKey: .debtor),
            invoiceNumber: container.decode(String.self, forKey: .invoiceNumber),
            capital: container.decode(Money.self, forKey: .capital),
            dueDate: container.decode(CalendarDate.self, forKey: .dueDate),
            interest: container.decode(Interest.self, forKey: .interest),
            fees: container.decode([Fee].self, forKey: .fees),
            grounds: container.decode(String.self, forKey: .grounds)
        )
        guard stated == total else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath + [CodingKeys.total],
                    debugDescription: "the total \(stated) does not match its parts, \(total)"
                )
            )
        }
    }

    /// A private person's name as initials (`A*** S***`); an organisation's name as it is, being public.
    private static func masked(_ party: Party) -> String {
        guard case .person = party.identity else { return party.name }
        return party.name.split(separator: " ").map { "\($0.prefix(1))***" }.joined(separator: " ")
    }

    /// Basis points as a percentage, `1000` → `10.00 %`.
    private static func percent(_ basisPoints: Int) -> String {
        // `magnitude`, not `abs`: a decoded document may hold Int.min, whose absolute value is not an Int.
        let fraction = basisPoints.magnitude % 100
        return "\(basisPoints < 0 ? "-" : "")\(basisPoints.magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction) %"
    }
}
