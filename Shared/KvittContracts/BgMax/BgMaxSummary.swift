extension BgMaxFile {
    /// A description of the file for an operator (`kvitt bgmax show FILE`): the header, each deposit with its
    /// payments (amount in kronor, payer, references, texts) and total, and the file's totals per currency.
    ///
    /// ```
    /// BgMax file version 01, written 2026-01-15 06:30:12.123456, TEST FILE (not to be booked)
    /// 1 deposit, 2 payments, 0 deductions, 0 extra references
    ///
    /// Deposit 00001, payment date 2026-01-15, to bankgiro 5402-9681, bank account 50000001234567
    ///   1. Payment 1 250,00 kr, serial 000000000001, bank
    ///      Payer: Anna Andersson, Storgatan 1, 11122 Stockholm
    ///      Reference: 100065 (correct OCR)
    /// ```
    public func summary() -> String {
        var lines: [String] = []
        let marker = header.isTest ? "TEST FILE (not to be booked)" : "production"
        lines.append("BgMax file version \(header.version), written \(header.timestamp), \(marker)")
        lines.append(
            [
                plural(counts.deposits, "deposit"), plural(counts.payments, "payment"),
                plural(counts.deductions, "deduction"), plural(counts.extraReferences, "extra reference"),
            ]
            .joined(separator: ", ")
        )
        for deposit in deposits {
            lines.append("")
            lines.append(contentsOf: depositLines(deposit))
        }
        lines.append("")
        lines.append("Total: \(totals()) in \(plural(deposits.count, "deposit"))")
        return lines.joined(separator: "\n") + "\n"
    }

    private func depositLines(_ deposit: BgMaxDeposit) -> [String] {
        var heading = "Deposit \(deposit.depositSerialNumber), payment date \(deposit.paymentDate), to bankgiro "
        heading += giroText(deposit.payeeBankgiro)
        if let plusgiro = deposit.payeePlusgiro { heading += ", plusgiro \(plusgiro)" }
        heading += ", bank account \(deposit.payeeBankAccount)"
        if let type = deposit.depositType { heading += ", type \(type)" }
        var lines = [heading]
        for (index, payment) in deposit.payments.enumerated() {
            lines.append(contentsOf: paymentLines(payment, number: index + 1))
        }
        let deductions = deposit.payments.filter { $0.kind == .deduction }.count
        var footer = "  Deposit total: \(kronor(deposit.total)) in "
        footer += plural(deposit.payments.count - deductions, "payment")
        if deductions > 0 { footer += " and \(plural(deductions, "deduction"))" }
        lines.append(footer)
        return lines
    }

    private func paymentLines(_ payment: BgMaxPayment, number: Int) -> [String] {
        let indent = "     "
        var first = "  \(number). "
        first += payment.kind == .payment ? "Payment " : "Deduction "
        first += "\(kronor(payment.signedAmount)), serial \(payment.serialNumber), \(payment.channel)"
        if payment.imageMarker == .image { first += ", image" }
        if let sender = payment.senderBankgiro { first += ", from bankgiro \(giroText(sender))" }
        if let code = payment.deductionCode { first += ", \(code)" }
        var lines = [first]
        if let payer = payment.payer { lines.append(indent + "Payer: " + payerText(payer)) }
        lines.append(indent + "Reference: " + referenceText(payment.mainReference, withAmount: false))
        for reference in payment.extraReferences {
            lines.append(indent + "Extra reference: " + referenceText(reference, withAmount: true))
        }
        for text in payment.informationTexts { lines.append(indent + "Text: " + text) }
        return lines
    }

    private func referenceText(_ reference: BgMaxReference, withAmount: Bool) -> String {
        var text = reference.text.isEmpty ? "none" : reference.text
        text += " (\(reference.code))"
        if withAmount { text += ", \(kronor(reference.signedAmount))" }
        return text
    }

    private func payerText(_ payer: BgMaxPayer) -> String {
        let place = [payer.postcode, payer.city].compactMap { $0 }.joined(separator: " ")
        let country = [payer.country, payer.countryCode.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        let parts = [
            payer.name, payer.extraName, payer.address, place.isEmpty ? nil : place,
            country.isEmpty ? nil : country, payer.organisationNumber.map { "org. no. \($0)" },
        ]
        return parts.compactMap { $0 }.joined(separator: ", ")
    }

    /// The deposit totals summed per currency, in the order the currencies first appear. The parser refuses a file
    /// whose totals overflow; a file built otherwise says so rather than show a wrong sum.
    private func totals() -> String {
        var sums: [(currency: Currency, sum: Money?)] = []
        for deposit in deposits {
            guard let index = sums.firstIndex(where: { $0.currency == deposit.currency }) else {
                sums.append((deposit.currency, deposit.total))
                continue
            }
            sums[index].sum = try? sums[index].sum?.adding(deposit.total)
        }
        guard !sums.isEmpty else { return kronor(.zero(.sek)) }
        return sums.map { $0.sum.map(kronor) ?? "more than 64 bits of \($0.currency.code) minor units" }
            .joined(separator: " + ")
    }

    /// `NNN-NNNN` or `NNNN-NNNN` for a seven- or eight-digit bankgiro number, the digits otherwise.
    private func giroText(_ digits: String) -> String {
        guard digits.count == 7 || digits.count == 8 else { return digits }
        return "\(digits.dropLast(4))-\(digits.suffix(4))"
    }

    private func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// An amount the Swedish way: `1 250,00 kr`, or with the currency code for other currencies.
    private func kronor(_ money: Money) -> String {
        let unit = money.currency == .sek ? "kr" : money.currency.code
        return "\(money.formatted(decimalSeparator: ",", groupingSeparator: " ")) \(unit)"
    }
}
