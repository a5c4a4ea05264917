import KvittContracts

/// The one set of rules for a debtor's postal address, used by `create-invoice` (under `debtor.`) and by
/// `change-debtor-contact`, so that an address refused by one is never accepted by the other.
///
/// The address is printed on the invoice, in the letters' window and in Peppol's `PostalAddress`: every part is one
/// line of text of bounded length, and a Swedish postal code is the five digits PostNord sorts by.
enum DebtorAddressRules {
    /// The most characters of a street or city line: more than any real address needs, little enough for a letter.
    static let maximumLineLength = 100
    /// The most characters of a foreign postal code (the longest in use, e.g. `12345-6789` in the USA, is 10).
    static let maximumForeignPostalCodeLength = 10

    /// What is wrong with `address` for a debtor in `country` (`nil` or `SE`: Swedish), as field errors under
    /// `prefix` (`debtor.` or empty). A foreign debtor needs an address; a Swedish one may have none (the postal
    /// address comes from the population register).
    static func errors(_ address: Debtor.Address?, domestic: Bool, prefix: String) -> [FieldError] {
        guard let address else {
            return domestic ? [] : [FieldError("\(prefix)address", "a foreign debtor needs a postal address")]
        }
        var errors: [FieldError] = []
        for (name, value) in [("street", address.street), ("city", address.city)] {
            if let problem = lineProblem(value) {
                errors.append(FieldError("\(prefix)address.\(name)", problem))
            }
        }
        if let problem = postalCodeProblem(address.postalCode, domestic: domestic) {
            errors.append(FieldError("\(prefix)address.postalCode", problem))
        }
        return errors
    }

    /// Why one line of an address is unusable, or `nil`.
    private static func lineProblem(_ value: String) -> String? {
        if value.trimmingCharacters(in: .whitespaces).isEmpty { return "must not be empty" }
        if value.count > maximumLineLength { return "must be at most \(maximumLineLength) characters" }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must be one line without control characters"
        }
        return nil
    }

    /// Why a postal code is unusable, or `nil`: five digits (`NNNNN` or `NNN NN`) in Sweden; elsewhere at most
    /// ``maximumForeignPostalCodeLength`` ASCII letters, digits, spaces and hyphens, or none where the country has
    /// no postal codes.
    private static func postalCodeProblem(_ code: String, domestic: Bool) -> String? {
        if domestic {
            let digits = code.filter { $0 != " " }
            let spaced = code.count == 6 && code.dropFirst(3).first == " "
            guard digits.count == 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), code.count == 5 || spaced
            else { return "a Swedish postal code is five digits, as 12345 or 123 45" }
            return nil
        }
        guard code.count <= maximumForeignPostalCodeLength,
            code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") })
        else {
            return "at most \(maximumForeignPostalCodeLength) letters, digits, spaces and hyphens"
        }
        return nil
    }
}
