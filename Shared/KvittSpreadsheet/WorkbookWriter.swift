internal import CXlsxWriter
import Foundation

/// Writes a ``Spreadsheet`` through libxlsxwriter into a private temporary directory and reads the file back.
enum WorkbookWriter {
    /// The widest a column is made, in characters: long messages stay readable without pushing every other column
    /// off screen.
    static let widestColumn = 60
    /// The narrowest a column is made, in characters (Excel's default width is 8.43).
    static let narrowestColumn = 8
    /// Room for the autofilter's drop-down button and the bold header text.
    static let headerAllowance = 3

    static func write(_ sheet: Spreadsheet) throws(SpreadsheetError) -> [UInt8] {
        try checkStructure(of: sheet)
        let directory = try PrivateDirectory()
        let result: Result<[UInt8], SpreadsheetError>
        do throws(SpreadsheetError) {
            let file = directory.path + "/workbook.xlsx"
            try writeWorkbook(sheet, to: file, temporaryDirectory: directory.path)
            result = .success(try readFile(file))
        } catch {
            result = .failure(error)
        }
        // The file holds the report's data (names, amounts): it goes whatever happened, and a failure to remove it is
        // an error even after a successful write.
        try directory.remove()
        return try result.get()
    }

    private static func checkStructure(of sheet: Spreadsheet) throws(SpreadsheetError) {
        if sheet.sheetName.isEmpty { throw .invalidSheetName(reason: "it is empty") }
        if sheet.sheetName.unicodeScalars.contains("\0") { throw .invalidSheetName(reason: "it contains NUL") }
        guard sheet.columns.count <= Spreadsheet.maximumColumns else {
            throw .tooManyColumns(count: sheet.columns.count, limit: Spreadsheet.maximumColumns)
        }
        for column in sheet.columns {
            if case .money(let decimals) = column.kind, !(0...6).contains(decimals) {
                throw .invalidColumn(header: column.header, reason: "money decimals \(decimals) are not within 0...6")
            }
        }
    }

    // MARK: - libxlsxwriter

    private static func writeWorkbook(
        _ sheet: Spreadsheet,
        to file: String,
        temporaryDirectory: String
    ) throws(SpreadsheetError) {
        guard let temporaryDirectoryCString = strdup(temporaryDirectory) else {
            throw .temporaryFile(operation: "name", reason: "out of memory")
        }
        defer { free(temporaryDirectoryCString) }
        var options = lxw_workbook_options(constant_memory: 0, tmpdir: temporaryDirectoryCString, use_zip64: 0)
        guard let workbook = workbook_new_opt(file, &options) else {
            throw .library(operation: "workbook_new_opt", code: -1, message: "could not allocate the workbook")
        }
        do throws(SpreadsheetError) {
            try fill(workbook, with: sheet)
        } catch {
            lxw_workbook_free(workbook)
            throw error
        }
        // workbook_close writes the file and frees the workbook, whether it succeeds or not.
        try check(workbook_close(workbook), "workbook_close")
    }

    private static func fill(_ workbook: UnsafeMutablePointer<lxw_workbook>, with sheet: Spreadsheet)
        throws(SpreadsheetError)
    {
        try check(workbook_validate_sheet_name(workbook, sheet.sheetName), "workbook_validate_sheet_name")
        guard let worksheet = workbook_add_worksheet(workbook, sheet.sheetName) else {
            throw .library(operation: "workbook_add_worksheet", code: -1, message: "could not add the worksheet")
        }
        var formats = try Formats(workbook: workbook)

        for (index, column) in sheet.columns.enumerated() {
            let columnIndex = lxw_col_t(index)
            try check(
                worksheet_write_string(worksheet, 0, columnIndex, CellText.stored(column.header), formats.header),
                "worksheet_write_string (header of column \"\(column.header)\")"
            )
            let width = Double(min(max(widestCell(in: index, of: sheet) + 2, narrowestColumn), widestColumn))
            try check(
                worksheet_set_column(worksheet, columnIndex, columnIndex, width, nil),
                "worksheet_set_column (\"\(column.header)\")"
            )
        }

        for (rowOffset, cells) in sheet.rows.enumerated() {
            let row = lxw_row_t(rowOffset + 1)
            for (index, cell) in cells.enumerated() {
                let column = sheet.columns[index]
                let position = CellPosition(row: rowOffset + 2, header: column.header)
                if let status = write(cell, of: column, at: (row, lxw_col_t(index)), in: worksheet, formats: &formats) {
                    try check(status, "writing the cell at \(position)")
                }
            }
        }

        guard !sheet.columns.isEmpty else { return }
        worksheet_freeze_panes(worksheet, 1, 0)
        try check(
            worksheet_autofilter(worksheet, 0, 0, lxw_row_t(sheet.rows.count), lxw_col_t(sheet.columns.count - 1)),
            "worksheet_autofilter"
        )
    }

    /// Writes one cell; the library's status, or `nil` for a blank cell, which is not written at all.
    private static func write(
        _ cell: Spreadsheet.Cell,
        of column: Spreadsheet.Column,
        at position: (row: lxw_row_t, column: lxw_col_t),
        in worksheet: UnsafeMutablePointer<lxw_worksheet>,
        formats: inout Formats
    ) -> lxw_error? {
        let (row, columnIndex) = position
        switch cell {
        case .empty:
            return nil
        case .text(let text), .amountText(let text):
            // worksheet_write_string always writes a string cell: text that looks like a formula is never one.
            return worksheet_write_string(worksheet, row, columnIndex, CellText.stored(text), formats.text)
        case .integer(let value):
            return worksheet_write_number(worksheet, row, columnIndex, Double(value), formats.integer)
        case .money(let minorUnits, let currency):
            let decimals = column.kind.moneyDecimals
            let value = Double(minorUnits) / Double(powerOfTen(decimals))
            guard let format = formats.money(decimals: decimals, currency: currency) else {
                return LXW_ERROR_MEMORY_MALLOC_FAILED
            }
            return worksheet_write_number(worksheet, row, columnIndex, value, format)
        case .date(let year, let month, let day):
            var date = lxw_datetime(year: Int32(year), month: Int32(month), day: Int32(day), hour: 0, min: 0, sec: 0)
            return worksheet_write_datetime(worksheet, row, columnIndex, &date, formats.date)
        }
    }

    private static func check(_ error: lxw_error, _ operation: @autoclosure () -> String) throws(SpreadsheetError) {
        guard error != LXW_NO_ERROR else { return }
        throw .library(
            operation: operation(),
            code: Int32(bitPattern: error.rawValue),
            message: String(cString: lxw_strerror(error))
        )
    }

    // MARK: - Column widths

    /// The widest content of a column, in characters, header included.
    private static func widestCell(in index: Int, of sheet: Spreadsheet) -> Int {
        let column = sheet.columns[index]
        var widest = CellText.displayWidth(column.header) + headerAllowance
        for row in sheet.rows where index < row.count {
            widest = max(widest, displayWidth(of: row[index], in: column))
            if widest >= widestColumn { break }
        }
        return widest
    }

    private static func displayWidth(of cell: Spreadsheet.Cell, in column: Spreadsheet.Column) -> Int {
        switch cell {
        case .empty: 0
        case .text(let text), .amountText(let text): CellText.displayWidth(text)
        case .integer(let value): String(value).count
        case .date: "yyyy-mm-dd".count
        case .money(let minorUnits, let currency):
            moneyWidth(minorUnits: minorUnits, decimals: column.kind.moneyDecimals, currency: currency)
        }
    }

    /// `-1,234,567.89 SEK`: sign, digits with group separators, decimals, a space and the currency code.
    private static func moneyWidth(minorUnits: Int64, decimals: Int, currency: String) -> Int {
        let units = String(minorUnits.magnitude / UInt64(powerOfTen(decimals))).count
        let sign = minorUnits < 0 ? 1 : 0
        let fraction = decimals > 0 ? decimals + 1 : 0
        return sign + units + (units - 1) / 3 + fraction + 1 + currency.count
    }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(1) { result, _ in result * 10 }
    }

    // MARK: - Files

    private static func readFile(_ path: String) throws(SpreadsheetError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .temporaryFile(operation: "read", reason: "\(error)")
        }
    }
}

extension Spreadsheet.ColumnKind {
    /// The decimals of a money column; 0 for any other (a money cell is only ever in a money column).
    fileprivate var moneyDecimals: Int {
        if case .money(let decimals) = self { return decimals }
        return 0
    }
}

/// The cell formats of one workbook, made once each; money formats per decimals and currency, when first used.
private struct Formats {
    let workbook: UnsafeMutablePointer<lxw_workbook>
    /// Bold text.
    let header: UnsafeMutablePointer<lxw_format>
    /// The Text number format (`@`): a cell that someone edits and confirms in Excel stays text instead of becoming
    /// a formula (libxlsxwriter 1.1.4 has no quote-prefix format, which would do the same).
    let text: UnsafeMutablePointer<lxw_format>
    /// `0`: whole numbers as digits (the General format would switch to scientific notation beyond 11 digits).
    let integer: UnsafeMutablePointer<lxw_format>
    /// `yyyy-mm-dd`.
    let date: UnsafeMutablePointer<lxw_format>
    private var money: [MoneyFormatKey: UnsafeMutablePointer<lxw_format>] = [:]

    private struct MoneyFormatKey: Hashable {
        var decimals: Int
        var currency: String
    }

    init(workbook: UnsafeMutablePointer<lxw_workbook>) throws(SpreadsheetError) {
        self.workbook = workbook
        header = try Self.make(in: workbook, numberFormat: "@")
        format_set_bold(header)
        text = try Self.make(in: workbook, numberFormat: "@")
        integer = try Self.make(in: workbook, numberFormat: "0")
        date = try Self.make(in: workbook, numberFormat: "yyyy-mm-dd")
    }

    private static func make(
        in workbook: UnsafeMutablePointer<lxw_workbook>,
        numberFormat: String
    ) throws(SpreadsheetError) -> UnsafeMutablePointer<lxw_format> {
        guard let format = workbook_add_format(workbook) else {
            throw .library(
                operation: "workbook_add_format",
                code: Int32(bitPattern: LXW_ERROR_MEMORY_MALLOC_FAILED.rawValue),
                message: String(cString: lxw_strerror(LXW_ERROR_MEMORY_MALLOC_FAILED))
            )
        }
        format_set_num_format(format, numberFormat)
        return format
    }

    /// `#,##0.00 "SEK"`: as many zeros after the point as decimals. The currency code is three capital letters
    /// (checked when the row was added), so it cannot break out of the quotes.
    /// `nil` when the library cannot allocate the format.
    mutating func money(decimals: Int, currency: String) -> UnsafeMutablePointer<lxw_format>? {
        let key = MoneyFormatKey(decimals: decimals, currency: currency)
        if let format = money[key] { return format }
        let number = decimals > 0 ? "#,##0." + String(repeating: "0", count: decimals) : "#,##0"
        guard let format = workbook_add_format(workbook) else { return nil }
        format_set_num_format(format, "\(number) \"\(currency)\"")
        money[key] = format
        return format
    }
}

/// A directory only this process's user can enter (mkdtemp creates it with mode 0700).
private struct PrivateDirectory {
    let path: String

    init() throws(SpreadsheetError) {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/kvitt-xlsx-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else {
            throw .temporaryFile(operation: "create", reason: String(cString: strerror(errno)))
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func remove() throws(SpreadsheetError) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .temporaryFile(operation: "remove", reason: "\(error)")
        }
    }
}
