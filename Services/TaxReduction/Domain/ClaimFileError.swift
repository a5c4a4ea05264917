import KvittContracts

/// Why ``ClaimFileBuilder`` refused to write a payout request.
///
/// Descriptions name a buyer only by ``Personnummer/masked`` (`19811218-****`), so they can go to logs and to
/// rejection events as they are.
enum ClaimFileError: Error, Equatable, CustomStringConvertible {
    /// No claims were given; the schema needs at least one buyer.
    case noClaims
    /// The request name (`NamnPaBegaran`) is empty, blank, longer than 16 characters or holds control characters.
    case invalidName(String)
    /// The buyers paid in different years (the years found, ascending); Skatteverket takes one payment year per file.
    case mixedYears([Int])
    /// One buyer's claim breaks a rule.
    case invalidClaim(buyer: Personnummer, invoiceNumber: String, rule: ClaimRule)

    var description: String {
        switch self {
        case .noClaims:
            "a claim file needs at least one buyer"
        case .invalidName(let name):
            "the request name '\(name)' must be 1–16 characters, not blank and without control characters"
        case .mixedYears(let years):
            "all buyers in one file must have paid in the same year, but the payments fall in "
                + years.map(String.init).joined(separator: ", ")
        case .invalidClaim(let buyer, let invoiceNumber, let rule):
            "the claim for buyer \(buyer.masked) on invoice '\(invoiceNumber)' is refused: \(rule)"
        }
    }
}

/// The rule a ``BuyerClaim`` breaks: Skatteverket's e-service checks (docs/domain.md §5.5) and the schema's limits
/// (§5.6, BegaranCOMPONENT.xsd). Amount fields are named by their schema element.
enum ClaimRule: Sendable, Equatable, CustomStringConvertible {
    /// An amount is below zero.
    case negativeAmount(field: String)
    /// An amount is above the schema's maximum.
    case amountTooLarge(field: String, maximum: Int64)
    /// `PrisForArbete` is below the schema's minimum of 2 kronor.
    case labourCostTooSmall
    /// `BegartBelopp` is more than `BetaltBelopp`.
    case requestedExceedsPaid
    /// `BegartBelopp + BetaltBelopp` is more than `PrisForArbete`.
    case requestedAndPaidExceedLabourCost
    /// The payment date is before 2009-07-01 or after 2099, which the schema does not accept.
    case paymentDateOutOfRange
    /// The buyer does not turn 18 in the payment year.
    case buyerUnder18
    /// The invoice number is empty, longer than 20 characters or holds control characters.
    case invalidInvoiceNumber
    /// A ROT claim names neither a fastighetsbeteckning nor a bostadsrätt.
    case missingProperty
    /// A RUT claim names a property; only ROT reports one.
    case propertyOnRutClaim
    /// The fastighetsbeteckning is empty, longer than 40 characters or holds control characters.
    case invalidPropertyDesignation
    /// The apartment number is empty, longer than 25 characters or holds control characters.
    case invalidApartmentNumber
    /// No work with hours and material (nor, for RUT, a flat-rate service) is reported.
    case noWorkReported
    /// A type of work belongs to the other kind of reduction.
    case workOfOtherKind(WorkType)
    /// A flat-rate service is reported on a ROT claim.
    case flatRateServiceOnRotClaim(FlatRateService)
    /// A type of work or flat-rate service (its schema element) is reported twice.
    case repeatedWorkType(String)
    /// Hours for a type of work are outside 0–999.
    case hoursOutOfRange(WorkType)
    /// Another claim has the same buyer and invoice number.
    case duplicateClaim

    var description: String {
        switch self {
        case .negativeAmount(let field):
            "\(field) must not be negative"
        case .amountTooLarge(let field, let maximum):
            "\(field) must be at most \(maximum) kronor"
        case .labourCostTooSmall:
            "the labour cost (PrisForArbete) must be at least 2 kronor"
        case .requestedExceedsPaid:
            "the requested amount (BegartBelopp) must not exceed what the buyer paid (BetaltBelopp)"
        case .requestedAndPaidExceedLabourCost:
            "the requested amount plus what the buyer paid (BegartBelopp + BetaltBelopp) must not exceed the labour "
                + "cost (PrisForArbete)"
        case .paymentDateOutOfRange:
            "the payment date must be between 2009-07-01 and 2099-12-31"
        case .buyerUnder18:
            "the buyer must turn 18 no later than in the payment year"
        case .invalidInvoiceNumber:
            "the invoice number (FakturaNr) must be 1–20 characters without control characters"
        case .missingProperty:
            "a ROT claim needs a fastighetsbeteckning, or a bostadsrättsförening's organisationsnummer and apartment number"
        case .propertyOnRutClaim:
            "a RUT claim names no property"
        case .invalidPropertyDesignation:
            "the fastighetsbeteckning must be 1–40 characters without control characters"
        case .invalidApartmentNumber:
            "the apartment number (LagenhetsNr) must be 1–25 characters without control characters"
        case .noWorkReported:
            "hours and material must be reported for at least one type of work"
        case .workOfOtherKind(let type):
            "\(type.rawValue) is \(type.kind) work"
        case .flatRateServiceOnRotClaim(let service):
            "\(service.rawValue) is a RUT service"
        case .repeatedWorkType(let element):
            "\(element) is reported more than once"
        case .hoursOutOfRange(let type):
            "the hours for \(type.rawValue) (AntalTimmar) must be between 0 and 999"
        case .duplicateClaim:
            "another claim has the same buyer and invoice number"
        }
    }
}
