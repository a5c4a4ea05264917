import Foundation
import KvittSpreadsheet
import Testing

/// Workbooks written by ``Spreadsheet`` and read back by openpyxl. Serialized because one test counts the writer's
/// temporary directories, which a parallel test would be creating.
@Suite("xlsx workbooks read back typed", .serialized)
struct SpreadsheetTests {
    static let hyperlink = #"=HYPERLINK("x")"#

    /// A payments-report-like sheet with every kind of cell.
    static func paymentsSheet() throws -> Spreadsheet {
        var sheet = Spreadsheet(sheetName: "Inbetalningar")
        sheet.addColumn(header: "Betalare", kind: .text)
        sheet.addColumn(header: "Antal", kind: .integer)
        sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 2))
        sheet.addColumn(header: "Betalningsdag", kind: .date)
        sheet.addColumn(header: "Meddelande", kind: .text)
        try sheet.addRow([
            .text("Anna Andersson"), .integer(42), .money(minorUnits: 12_345, currency: "SEK"),
            .date(year: 2026, month: 3, day: 20), .text(hyperlink),
        ])
        try sheet.addRow([
            .text("+46 70 123 45 67"), .integer(-7), .money(minorUnits: -50, currency: "SEK"),
            .date(year: 2024, month: 2, day: 29), .empty,
        ])
        try sheet.addRow([
            .text("@SUM(A1:A2)"), .empty, .money(minorUnits: 999_999_999_999_999, currency: "SEK"), .empty,
            .text("-1+2"),
        ])
        return sheet
    }

    @Test func everyCellKindReadsBackAsItsType() throws {
        let sheet = try WorkbookReader.read(try Self.paymentsSheet().xlsxBytes())

        #expect(sheet.title == "Inbetalningar")
        #expect(sheet.rows.count == 4)
        let header = try #require(sheet.rows.first)
        #expect(header.map(\.text) == ["Betalare", "Antal", "Belopp", "Betalningsdag", "Meddelande"])
        #expect(header.allSatisfy { $0.bold && $0.type == "s" })
        #expect(sheet.rows.dropFirst().allSatisfy { row in row.allSatisfy { !$0.bold } })

        let anna = sheet.rows[1]
        #expect(anna[0].type == "s" && anna[0].text == "Anna Andersson")
        #expect(anna[1].type == "n" && anna[1].number == 42 && anna[1].numberFormat == "0")
        #expect(anna[2].type == "n" && anna[2].number == 123.45)
        #expect(anna[2].numberFormat == #"#,##0.00 "SEK""#)
        #expect(anna[3].isDate && anna[3].date == "2026-03-20T00:00:00")
        #expect(anna[3].numberFormat == "yyyy-mm-dd")

        let second = sheet.rows[2]
        #expect(second[1].number == -7)
        #expect(second[2].type == "n" && second[2].number == -0.5)
        #expect(second[3].isDate && second[3].date == "2024-02-29T00:00:00")
        #expect(second[4].text == nil && second[4].number == nil)

        // The largest amount accepted: all 15 digits survive as a number.
        #expect(sheet.rows[3][2].number == 9_999_999_999_999.99)
    }

    @Test func textThatLooksLikeAFormulaIsAStringCell() throws {
        let sheet = try WorkbookReader.read(try Self.paymentsSheet().xlsxBytes())

        let message = sheet.rows[1][4]
        #expect(message.type == "s")
        #expect(message.text == Self.hyperlink)
        // Text format: a cell edited and confirmed in Excel stays text.
        #expect(message.numberFormat == "@")
        #expect(sheet.rows[2][0].type == "s" && sheet.rows[2][0].text == "+46 70 123 45 67")
        #expect(sheet.rows[3][0].type == "s" && sheet.rows[3][0].text == "@SUM(A1:A2)")
        #expect(sheet.rows[3][4].type == "s" && sheet.rows[3][4].text == "-1+2")
        #expect(sheet.storedTypes["E2"] == "s")
        #expect(!sheet.hasFormula)
    }

    @Test func headerIsFrozenAndFilteredWithColumnsWideEnough() throws {
        let sheet = try WorkbookReader.read(try Self.paymentsSheet().xlsxBytes())

        #expect(sheet.autofilter == "A1:E4")
        #expect(sheet.freezePanes == "A2")
        let widths = try ["A", "B", "C", "D", "E"].map { try #require(sheet.widths[$0], "width of \($0)") }
        #expect(widths.allSatisfy { $0 >= 8 && $0 <= 61 })
        // "Betalningsdag" plus room for the filter button; "9,999,999,999,999.99 SEK" is 24 characters.
        #expect(widths[3] >= 16)
        #expect(widths[2] >= 24)
    }

    @Test func aSheetWithoutRowsStillHasItsHeaderAndFilter() throws {
        var sheet = Spreadsheet(sheetName: "Tom")
        sheet.addColumn(header: "Datum", kind: .date)
        sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 0))
        let read = try WorkbookReader.read(try sheet.xlsxBytes())
        #expect(read.rows.count == 1)
        #expect(read.autofilter == "A1:B1")
        #expect(read.freezePanes == "A2")
    }

    /// Characters the file format cannot hold as they are, and text that a reader would otherwise decode.
    @Test func textReadsBackAsWritten() throws {
        let texts: [(written: String, read: String)] = [
            ("Kalles Plåt AB 😀 <&> \"'", "Kalles Plåt AB 😀 <&> \"'"),
            ("_x0041_", "_x0041_"),
            ("_x0041_x0042_", "_x0041_x0042_"),
            ("_x1234\u{1}", "_x1234\u{1}"),
            ("a\u{1}b\rc\td\ne\u{1F}", "a\u{1}b\rc\td\ne\u{1F}"),
            ("nul\u{0}here", "nul\u{FFFD}here"),
            ("not\u{FFFE}xml\u{FFFF}", "not\u{FFFD}xml\u{FFFD}"),
        ]
        var sheet = Spreadsheet(sheetName: "Text")
        sheet.addColumn(header: "Text", kind: .text)
        for text in texts { try sheet.addRow([.text(text.written)]) }

        let read = try WorkbookReader.read(try sheet.xlsxBytes())
        for (index, text) in texts.enumerated() {
            let cell = read.rows[index + 1][0]
            #expect(cell.type == "s")
            #expect(cell.decodedText == text.read, "row \(index + 2)")
        }
    }

    @Test func textLongerThanACellHoldsIsCutVisibly() throws {
        var sheet = Spreadsheet(sheetName: "Long")
        sheet.addColumn(header: "Text", kind: .text)
        try sheet.addRow([.text(String(repeating: "a", count: 40_000))])
        // Emoji are two UTF-16 units each, Excel's unit of length: 20,000 of them are 40,000 units.
        try sheet.addRow([.text(String(repeating: "😀", count: 20_000))])
        try sheet.addRow([.text(String(repeating: "b", count: Spreadsheet.maximumCellLength))])

        let read = try WorkbookReader.read(try sheet.xlsxBytes())
        let ascii = try #require(read.rows[1][0].text)
        #expect(ascii.utf16.count == Spreadsheet.maximumCellLength)
        #expect(ascii.hasSuffix(Spreadsheet.truncationMarker))
        #expect(ascii.hasPrefix(String(repeating: "a", count: 32_000)))
        let emoji = try #require(read.rows[2][0].text)
        #expect(emoji.utf16.count <= Spreadsheet.maximumCellLength)
        #expect(emoji.hasSuffix(Spreadsheet.truncationMarker))
        #expect(emoji.dropLast(Spreadsheet.truncationMarker.count).allSatisfy { $0 == "😀" })
        let exact = try #require(read.rows[3][0].text)
        #expect(exact == String(repeating: "b", count: Spreadsheet.maximumCellLength))
    }

    @Test func libraryErrorsCarryTheLibrarysMessageAndLeaveNoFiles() throws {
        let before = try Self.writerDirectories()
        var sheet = Spreadsheet(sheetName: "a[b")
        sheet.addColumn(header: "x", kind: .text)
        #expect {
            _ = try sheet.xlsxBytes()
        } throws: { error in
            guard case .library(_, _, let message) = error as? SpreadsheetError else { return false }
            return message.contains("invalid characters")
        }
        _ = try Self.paymentsSheet().xlsxBytes()
        #expect(try Self.writerDirectories() == before)
    }

    @Test func anAmountNoNumberHoldsExactlyIsTextInAMoneyColumnAndOnlyThere() throws {
        var sheet = Spreadsheet(sheetName: "Checks")
        sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 2))
        sheet.addColumn(header: "Datum", kind: .date)
        sheet.addColumn(header: "Antal", kind: .integer)
        // An amount no number cell holds exactly goes in a money column as its text, and only there.
        try sheet.addRow([.amountText("9999999999999999.99 SEK"), .empty, .empty])
        #expect(
            throws: SpreadsheetError.cellKindMismatch(
                CellPosition(row: 3, header: "Antal"),
                columnKind: .integer,
                cell: "amount text"
            )
        ) {
            try sheet.addRow([.empty, .empty, .amountText("1")])
        }
        #expect(sheet.rows.count == 1)
        let written = try WorkbookReader.read(try sheet.xlsxBytes())
        let amount = try #require(written.rows.dropFirst().first?.first)
        #expect(amount.type == "s" && amount.text == "9999999999999999.99 SEK", "exact text, never a rounded number")
    }

    @Test func cellsAreCheckedWhenTheRowIsAdded() throws {
        var sheet = Spreadsheet(sheetName: "Checks")
        sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 2))
        sheet.addColumn(header: "Datum", kind: .date)
        sheet.addColumn(header: "Antal", kind: .integer)

        #expect(throws: SpreadsheetError.wrongCellCount(row: 2, expected: 3, actual: 1)) {
            try sheet.addRow([.empty])
        }
        let first = CellPosition(row: 2, header: "Belopp")
        #expect(
            throws: SpreadsheetError.cellKindMismatch(first, columnKind: .money(minorUnitDecimals: 2), cell: "text")
        ) {
            try sheet.addRow([.text("12.50"), .empty, .empty])
        }
        #expect(throws: SpreadsheetError.invalidCurrencyCode(first, code: "sek")) {
            try sheet.addRow([.money(minorUnits: 1, currency: "sek"), .empty, .empty])
        }
        #expect(throws: SpreadsheetError.invalidCurrencyCode(first, code: #"SEK" 0"#)) {
            try sheet.addRow([.money(minorUnits: 1, currency: #"SEK" 0"#), .empty, .empty])
        }
        #expect(
            throws: SpreadsheetError.invalidDate(
                CellPosition(row: 2, header: "Datum"),
                year: 2026,
                month: 2,
                day: 29
            )
        ) {
            try sheet.addRow([.empty, .date(year: 2026, month: 2, day: 29), .empty])
        }
        #expect(throws: SpreadsheetError.self) {
            try sheet.addRow([.empty, .date(year: 1899, month: 12, day: 31), .empty])
        }
        #expect(throws: SpreadsheetError.self) {
            try sheet.addRow([.empty, .empty, .integer(1_000_000_000_000_000)])
        }
        #expect(throws: SpreadsheetError.self) {
            try sheet.addRow([.money(minorUnits: .min, currency: "SEK"), .empty, .empty])
        }
        #expect(sheet.rows.isEmpty)
        try sheet.addRow([.money(minorUnits: -999_999_999_999_999, currency: "EUR"), .empty, .integer(-5)])
        #expect(sheet.rows.count == 1)
    }

    @Test func invalidStructureIsRefusedBeforeWriting() throws {
        var unnamed = Spreadsheet(sheetName: "")
        unnamed.addColumn(header: "x", kind: .text)
        #expect(throws: SpreadsheetError.invalidSheetName(reason: "it is empty")) { try unnamed.xlsxBytes() }

        var badMoney = Spreadsheet(sheetName: "Money")
        badMoney.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 7))
        #expect(throws: SpreadsheetError.self) { try badMoney.xlsxBytes() }
    }

    /// The writer's private directories (`kvitt-xlsx-…`) in the temporary directory.
    static func writerDirectories() throws -> Set<String> {
        let names = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
        return Set(names.filter { $0.hasPrefix("kvitt-xlsx-") && !$0.hasPrefix("kvitt-xlsx-test-") })
    }
}
