import KvittContracts
import KvittSpreadsheet

/// The payments report (Inbetalningar) as an Excel workbook: a header row, dates as dates, amounts as numbers with
/// two decimals and their currency, invoices by their numbers. Text from outside is written as text cells, which a
/// spreadsheet never runs as a formula (see `KvittSpreadsheet`).
enum PaymentsReportXLSX {
    static func render(_ payments: [PaymentQueries.PaymentView]) throws(SpreadsheetError) -> [UInt8] {
        var sheet = Spreadsheet(sheetName: "Inbetalningar")
        sheet.addColumn(header: "Betalningsdag", kind: .date)
        sheet.addColumn(header: "Källa", kind: .text)
        sheet.addColumn(header: "Käll-id", kind: .text)
        sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 2))
        sheet.addColumn(header: "Ej avräknat", kind: .money(minorUnitDecimals: 2))
        sheet.addColumn(header: "Valuta", kind: .text)
        sheet.addColumn(header: "Status", kind: .text)
        sheet.addColumn(header: "Referens", kind: .text)
        sheet.addColumn(header: "Betalare", kind: .text)
        sheet.addColumn(header: "Fakturor", kind: .text)
        for payment in payments {
            let invoices = payment.allocations.map {
                "\($0.invoiceNumber) (\($0.amount.formatted(decimalSeparator: ",")), \($0.matchedBy.rawValue))"
            }.joined(separator: ", ")
            try sheet.addRow([
                .date(year: payment.paymentDate.year, month: payment.paymentDate.month, day: payment.paymentDate.day),
                .text(payment.source), .text(payment.sourceID), money(payment.amount), money(payment.unapplied),
                .text(payment.amount.currency.code), .text(payment.status),
                .text(payment.reference ?? payment.message ?? ""), payment.payerName.map { .text($0) } ?? .empty,
                .text(invoices),
            ])
        }
        return try sheet.xlsxBytes()
    }

    /// An amount as a number cell; the column shows two decimals, so a currency with another number of minor-unit
    /// digits is written as its text instead of a number at the wrong scale, and so is an amount of more digits than a
    /// spreadsheet's number holds exactly (a bank file may carry 18), rather than a rounded number or no report.
    static func money(_ amount: Money) -> Spreadsheet.Cell {
        guard amount.currency.minorUnitExponent == 2,
            amount.amount.magnitude <= Spreadsheet.largestExactNumber.magnitude
        else { return .amountText(amount.description) }
        return .money(minorUnits: amount.amount, currency: amount.currency.code)
    }
}
