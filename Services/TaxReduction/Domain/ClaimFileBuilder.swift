import KvittContracts

/// Writes Skatteverket's payout request files (begäran om utbetalning, XML schema V6) for ROT or RUT claims.
///
/// Rules (docs/domain.md §5.5–5.6, Skatteverket "Regler för att importera fil till Rot och rut – företag", and
/// Begaran.xsd with BegaranCOMPONENT.xsd): one kind per file, every buyer paid in the same year, at most 100 buyers per
/// file, whole kronor, `BegartBelopp ≤ BetaltBelopp` and `BegartBelopp + BetaltBelopp ≤ PrisForArbete` per buyer,
/// a property for ROT, hours and material for at least one type of work.
///
/// Not checked here, because they need more than the claims: the buyer's yearly cap and the 30 %/50 % limit on the
/// requested amount, the buyer not being the provider, and the payment date not being after the day of the request.
enum ClaimFileBuilder {
    /// The most buyers (ärenden) Skatteverket accepts in one file.
    static let maximumBuyersPerFile = 100
    /// The longest request name (`NamnPaBegaran`) the schema accepts, in characters.
    static let maximumNameLength = 16

    /// Checks the claims and writes them as one or more files.
    ///
    /// The claims are ordered by payment date, then invoice number, then buyer, so the same claims always give the same
    /// files, and cut into files of at most 100. One file keeps `name` as it is; several are named `name-1`, `name-2`,
    /// …, the name shortened where the suffix would not fit in 16 characters.
    static func files(kind: ClaimKind, name: String, claims: [BuyerClaim]) throws(ClaimFileError) -> [ClaimFile] {
        guard !claims.isEmpty else { throw .noClaims }
        guard isText(name, maximumLength: maximumNameLength) else { throw .invalidName(name) }
        let years = Set(claims.map(\.paymentDate.year)).sorted()
        guard years.count == 1 else { throw .mixedYears(years) }
        var seen: Set<ClaimKey> = []
        for claim in claims {
            if let rule = violation(of: claim, kind: kind) {
                throw .invalidClaim(buyer: claim.buyer, invoiceNumber: claim.invoiceNumber, rule: rule)
            }
            guard seen.insert(ClaimKey(buyer: claim.buyer, invoiceNumber: claim.invoiceNumber)).inserted else {
                throw .invalidClaim(buyer: claim.buyer, invoiceNumber: claim.invoiceNumber, rule: .duplicateClaim)
            }
        }
        let ordered = claims.sorted {
            ($0.paymentDate, $0.invoiceNumber, $0.buyer.canonical) < (
                $1.paymentDate, $1.invoiceNumber, $1.buyer.canonical
            )
        }
        let batches = stride(from: 0, to: ordered.count, by: maximumBuyersPerFile).map {
            Array(ordered[$0..<min($0 + maximumBuyersPerFile, ordered.count)])
        }
        return batches.enumerated().map { index, batch in
            let fileName = batches.count == 1 ? name : suffixedName(name, number: index + 1)
            return ClaimFile(
                name: fileName,
                kind: kind,
                year: years[0],
                claims: batch,
                xml: ClaimFileXML.render(name: fileName, kind: kind, claims: batch)
            )
        }
    }

    /// The last day to request payment for work paid in `paymentYear`: 31 January of the next year (8 § HUSFL,
    /// docs/domain.md §5.5).
    static func deadline(forPaymentYear paymentYear: Int) -> CalendarDate {
        // A file's year is one of ``paymentYears``; held to the representable years, a wrong one cannot trap either.
        let years = CalendarDate.representableYears
        let year = min(max(paymentYear, years.lowerBound), years.upperBound - 1) + 1
        return CalendarDate(year: year, month: 1, day: 31) ?? CalendarDate.representableRange.upperBound
    }

    /// The payment years a file can hold: from the earliest payment date the schema accepts through 2099.
    static let paymentYears = 2009...2099

    /// An amount in SEK as whole kronor, the öre cut off towards minus infinity: 1 234.99 kr is 1 234 kr.
    ///
    /// The file takes whole kronor only; rounding the requested amount down never breaches "requested ≤ 30/50 % of the
    /// labour cost" (docs/domain.md §5.3). ROT and RUT invoices are always in SEK, so another currency is a
    /// programming error.
    static func wholeKronor(_ money: Money) -> Int64 {
        precondition(money.currency == .sek, "ROT and RUT amounts are in SEK, not \(money.currency)")
        let oreInKrona: Int64 = 100
        let (kronor, ore) = money.amount.quotientAndRemainder(dividingBy: oreInKrona)
        return ore < 0 ? kronor - 1 : kronor
    }

    /// The first rule `claim` breaks in a file of `kind`, or `nil`.
    static func violation(of claim: BuyerClaim, kind: ClaimKind) -> ClaimRule? {
        if !isText(claim.invoiceNumber, maximumLength: 20) { return .invalidInvoiceNumber }
        if let rule = amountViolation(of: claim) { return rule }
        if claim.labourCost < 2 { return .labourCostTooSmall }
        if claim.requestedAmount > claim.paidAmount { return .requestedExceedsPaid }
        // Both are at most 99 999 999 999 here, so the sum cannot overflow.
        if claim.requestedAmount + claim.paidAmount > claim.labourCost { return .requestedAndPaidExceedLabourCost }
        if claim.paymentDate < earliestPaymentDate || claim.paymentDate.year > paymentYears.upperBound {
            return .paymentDateOutOfRange
        }
        if claim.paymentDate.year - claim.buyer.birthDate.year < 18 { return .buyerUnder18 }
        if let rule = propertyViolation(of: claim, kind: kind) { return rule }
        return workViolation(of: claim, kind: kind)
    }

    /// The earliest payment date the schema accepts (`DatumTYPE`), when the invoice model began.
    private static let earliestPaymentDate = CalendarDate(year: 2009, month: 7, day: 1)!
    /// The schema's maximum for `PrisForArbete`, `BetaltBelopp` and `BegartBelopp` (`BeloppTYPE`).
    private static let maximumAmount: Int64 = 99_999_999_999
    /// The schema's maximum for `Ovrigkostnad` and `Materialkostnad`.
    private static let maximumCost: Int64 = 9_999_999

    private static func amountViolation(of claim: BuyerClaim) -> ClaimRule? {
        let amounts: [(field: String, value: Int64, maximum: Int64)] =
            [
                ("PrisForArbete", claim.labourCost, maximumAmount),
                ("BetaltBelopp", claim.paidAmount, maximumAmount),
                ("BegartBelopp", claim.requestedAmount, maximumAmount),
                ("Ovrigkostnad", claim.otherCost, maximumCost),
            ] + claim.work.map { ("Materialkostnad for \($0.type.rawValue)", $0.materialCost, maximumCost) }
        if let negative = amounts.first(where: { $0.value < 0 }) { return .negativeAmount(field: negative.field) }
        if let large = amounts.first(where: { $0.value > $0.maximum }) {
            return .amountTooLarge(field: large.field, maximum: large.maximum)
        }
        return nil
    }

    private static func propertyViolation(of claim: BuyerClaim, kind: ClaimKind) -> ClaimRule? {
        switch (kind, claim.property) {
        case (.rut, nil): nil
        case (.rut, .some): .propertyOnRutClaim
        case (.rot, nil): .missingProperty
        case (.rot, .realProperty(let designation)?):
            isText(designation, maximumLength: 40) ? nil : .invalidPropertyDesignation
        case (.rot, .cooperativeApartment(_, let apartmentNumber)?):
            isText(apartmentNumber, maximumLength: 25) ? nil : .invalidApartmentNumber
        }
    }

    private static func workViolation(of claim: BuyerClaim, kind: ClaimKind) -> ClaimRule? {
        // Skatteverket: "Arbetade timmar och materialkostnad måste anges för minst ett arbetsområde". A RUT claim of
        // flat-rate services only is let through, since the 2021 schema makes Ovrigkostnad optional for exactly that.
        if claim.work.isEmpty && claim.flatRateServices.isEmpty { return .noWorkReported }
        var elements: Set<String> = []
        for item in claim.work {
            if item.type.kind != kind { return .workOfOtherKind(item.type) }
            if !(0...999).contains(item.hours) { return .hoursOutOfRange(item.type) }
            if !elements.insert(item.type.rawValue).inserted { return .repeatedWorkType(item.type.rawValue) }
        }
        for service in claim.flatRateServices {
            if kind == .rot { return .flatRateServiceOnRotClaim(service) }
            if !elements.insert(service.rawValue).inserted { return .repeatedWorkType(service.rawValue) }
        }
        return nil
    }

    /// `name` with `-number` appended, cut so that the whole fits in ``maximumNameLength`` characters.
    static func suffixedName(_ name: String, number: Int) -> String {
        let suffix = "-\(number)"
        var room = maximumNameLength - suffix.unicodeScalars.count
        var base = ""
        // Whole characters only, so that an accented letter is never cut from its accent.
        for character in name {
            let size = character.unicodeScalars.count
            guard size <= room else { break }
            base.append(character)
            room -= size
        }
        while base.last?.isWhitespace == true { base.removeLast() }
        return base + suffix
    }

    /// Whether `text` fits a schema string of 1…`maximumLength` characters and is worth writing: not blank, and free
    /// of control characters, which XML 1.0 cannot carry or would turn into other whitespace.
    ///
    /// The schema counts characters as Unicode code points, so this does too (`é` written as `e` plus an accent is
    /// two).
    static func isText(_ text: String, maximumLength: Int) -> Bool {
        let scalars = text.unicodeScalars
        return (1...maximumLength).contains(scalars.count)
            && !text.allSatisfy(\.isWhitespace)
            && scalars.allSatisfy {
                $0.properties.generalCategory != .control && $0.value != 0xFFFE && $0.value != 0xFFFF
            }
    }

    /// What makes two claims the same claim.
    private struct ClaimKey: Hashable {
        let buyer: Personnummer
        let invoiceNumber: String
    }
}
