import KvittContracts

/// Validates a register-creditor command; every identifier is checked and every error names its field.
enum CreditorValidation {
    static func errors(_ command: RegisterCreditor) -> [FieldError] {
        var errors: [FieldError] = []
        if command.creditorID.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("creditorID", "must not be empty"))
        }
        if command.name.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("name", "must not be empty"))
        }
        do {
            _ = try SwedishIdentity(parsing: command.organisationNumber)
        } catch {
            errors.append(FieldError("organisationNumber", "\(error)"))
        }
        do {
            _ = try BankgiroNumber(parsing: command.bankgiro)
        } catch {
            errors.append(FieldError("bankgiro", "\(error)"))
        }
        var currencies: Set<String> = []
        for (index, account) in command.foreignAccounts.enumerated() {
            let field = "foreignAccounts[\(index)]"
            if Currency(code: account.currency) == nil {
                errors.append(FieldError("\(field).currency", "unknown ISO 4217 currency '\(account.currency)'"))
            } else if !currencies.insert(account.currency).inserted {
                errors.append(FieldError("\(field).currency", "a second account for \(account.currency)"))
            }
            do { _ = try IBAN(parsing: account.iban) } catch { errors.append(FieldError("\(field).iban", "\(error)")) }
            do { _ = try BIC(parsing: account.bic) } catch { errors.append(FieldError("\(field).bic", "\(error)")) }
        }
        if !(0...365).contains(command.paymentTermsDays) {
            errors.append(FieldError("paymentTermsDays", "must be between 0 and 365"))
        }
        if ocrLevel(command.ocrControl) == nil {
            errors.append(
                FieldError(
                    "ocrControl",
                    "level must be soft, hard, variable-length or fixed-length with one or two lengths 2–25"
                )
            )
        }
        if command.invoiceNumberSeries.start < 1 || command.invoiceNumberSeries.start > 999_999_999_999 {
            errors.append(FieldError("invoiceNumberSeries.start", "must be between 1 and 999999999999"))
        }
        if let window = command.warningWindowDays, !(0...60).contains(window) {
            errors.append(FieldError("warningWindowDays", "must be between 0 and 60"))
        }
        if let collection = command.collection {
            if let days = collection.reminderDaysAfterDue, !(0...365).contains(days) {
                errors.append(FieldError("collection.reminderDaysAfterDue", "must be between 0 and 365"))
            }
            if let days = collection.collectionDaysAfterDue, !(0...730).contains(days) {
                errors.append(FieldError("collection.collectionDaysAfterDue", "must be between 0 and 730"))
            }
        }
        return errors
    }

    /// The control level of a registration, or `nil` when it is not one Bankgirot offers.
    static func ocrLevel(_ control: RegisterCreditor.OCRControl) -> OCRControlLevel? {
        switch control.level {
        case "soft": return .soft
        case "hard": return .hard
        case "variable-length": return .variableLength
        case "fixed-length":
            guard let lengths = control.lengths, (1...2).contains(lengths.count),
                lengths.allSatisfy({ (2...25).contains($0) })
            else { return nil }
            return .fixedLength(lengths[0], or: lengths.count == 2 ? lengths[1] : nil)
        default: return nil
        }
    }
}
