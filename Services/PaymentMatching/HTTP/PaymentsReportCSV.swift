import KvittContracts

/// The payments report (Inbetalningar) as CSV that Excel and LibreOffice open correctly with Swedish settings:
/// UTF-8 with a byte-order mark, `;` as separator, decimal comma, CRLF line ends, quotes where needed. Invoices are
/// named by their numbers, and a text that a spreadsheet would run as a formula is neutralised.
enum PaymentsReportCSV {
    static let header = [
        "Betalningsdag", "Källa", "Käll-id", "Belopp", "Valuta", "Ej avräknat", "Status", "Referens",
        "Betalare", "Fakturor",
    ]

    static func render(_ payments: [PaymentQueries.PaymentView]) -> [UInt8] {
        var lines = [header.map(field).joined(separator: ";")]
        for payment in payments {
            let invoices = payment.allocations.map {
                "\($0.invoiceNumber) (\(decimalComma($0.amount)), \($0.matchedBy.rawValue))"
            }.joined(separator: ", ")
            lines.append(
                [
                    payment.paymentDate.description, payment.source, text(payment.sourceID),
                    decimalComma(payment.amount), payment.amount.currency.code, decimalComma(payment.unapplied),
                    payment.status, text(payment.reference ?? payment.message ?? ""), text(payment.payerName ?? ""),
                    text(invoices),
                ].map(field).joined(separator: ";")
            )
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// The deposits report (Insättningar): each BgMax deposit and `total = booked + unmatched + deductions`.
    static let depositHeader = [
        "Betalningsdag", "Bankgiro", "Insättning", "Belopp", "Bokfört", "Ej avräknat", "Avdrag", "Kredit nyttjad",
    ]

    static func render(_ deposits: [PaymentQueries.DepositView]) -> [UInt8] {
        var lines = [depositHeader.map(field).joined(separator: ";")]
        for deposit in deposits {
            lines.append(
                [
                    deposit.paymentDate.description, deposit.payeeBankgiro, deposit.depositSerialNumber,
                    decimalComma(deposit.total), decimalComma(deposit.booked), decimalComma(deposit.unmatched),
                    decimalComma(deposit.deductions), decimalComma(deposit.creditsApplied),
                ].map(field).joined(separator: ";")
            )
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `1234.50 SEK` → `1234,50`: the number only, with a decimal comma.
    static func decimalComma(_ money: Money) -> String { money.formatted(decimalSeparator: ",") }

    /// Text from outside (a payer's name, a reference, a message): one that begins with `=`, `+`, `-` or `@` (or a
    /// tab or carriage return before one) would be run as a formula by Excel and LibreOffice, so it gets a leading
    /// apostrophe and is shown as the text it is (OWASP "CSV injection").
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
