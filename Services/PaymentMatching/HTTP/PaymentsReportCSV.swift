import KvittContracts

/// The payments report (Inbetalningar) as CSV that Excel and LibreOffice open correctly with Swedish settings:
/// UTF-8 with a byte-order mark, `;` as separator, decimal comma, CRLF line ends, quotes where needed.
enum PaymentsReportCSV {
    static let header = [
        "Betalningsdag", "Källa", "Käll-id", "Belopp", "Valuta", "Ej avräknat", "Status", "Referens",
        "Betalare", "Fakturor",
    ]

    static func render(_ payments: [PaymentQueries.PaymentView]) -> [UInt8] {
        var lines = [header.map(field).joined(separator: ";")]
        for payment in payments {
            let invoices = payment.allocations.map { "\($0.invoiceID) (\(decimalComma($0.amount)))" }.joined(
                separator: ", "
            )
            lines.append(
                [
                    payment.paymentDate.description, payment.source, payment.sourceID, decimalComma(payment.amount),
                    payment.amount.currency.code, decimalComma(payment.unapplied), payment.status,
                    payment.reference ?? payment.message ?? "", payment.payerName ?? "", invoices,
                ].map(field).joined(separator: ";")
            )
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `1234.50 SEK` → `1234,50`: the number only, with a decimal comma.
    static func decimalComma(_ money: Money) -> String { money.formatted(decimalSeparator: ",") }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
