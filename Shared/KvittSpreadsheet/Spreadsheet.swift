/// One worksheet of typed cells, written as a real `.xlsx` workbook by libxlsxwriter (Debian's `libxlsxwriter-dev`).
///
/// Numbers are numeric cells, amounts are numbers with a two-decimal (or the column's) number format, dates are Excel
/// dates formatted `yyyy-mm-dd`, and text is always a string cell, never a formula. The header row is bold and frozen,
/// an autofilter covers the header and the data, and each column is as wide as its content (within limits).
///
/// ```swift
/// var sheet = Spreadsheet(sheetName: "Inbetalningar")
/// sheet.addColumn(header: "Betalningsdag", kind: .date)
/// sheet.addColumn(header: "Belopp", kind: .money(minorUnitDecimals: 2))
/// try sheet.addRow([.date(year: 2026, month: 3, day: 20), .money(minorUnits: 80_000, currency: "SEK")])
/// let bytes = try sheet.xlsxBytes()
/// ```
///
/// Every cell is checked when its row is added, so an error names the row and column it is about; ``xlsxBytes()``
/// reports the library's own errors (an invalid sheet name, a file that cannot be written) with its message.
public struct Spreadsheet: Sendable {
    /// What a column holds; every cell of the column is of this kind or ``Cell/empty``.
    public enum ColumnKind: Sendable, Hashable, CustomStringConvertible {
        /// Text, written as a string cell whatever it begins with.
        case text
        /// Whole numbers, written as numeric cells without decimals.
        case integer
        /// Amounts in integer minor units with `minorUnitDecimals` digits of minor unit (2 for SEK öre): written as
        /// numbers `minorUnits / 10^minorUnitDecimals` with the number format `#,##0.00 "SEK"` (as many zeros as
        /// decimals, the cell's currency code after the number), so that sums and filters work and the currency
        /// stays visible.
        case money(minorUnitDecimals: Int)
        /// Calendar dates, written as Excel dates with the number format `yyyy-mm-dd`.
        case date

        public var description: String {
            switch self {
            case .text: "text"
            case .integer: "integer"
            case .money(let decimals): "money with \(decimals) decimals"
            case .date: "date"
            }
        }
    }

    /// A column: its header and what it holds.
    public struct Column: Sendable, Hashable {
        /// The header cell's text.
        public var header: String
        /// What the column's cells hold.
        public var kind: ColumnKind
    }

    /// The value of one cell.
    public enum Cell: Sendable, Hashable {
        /// Text (any Swift string; see ``Spreadsheet/maximumCellLength`` for how long text is cut).
        case text(String)
        /// A whole number of at most 15 digits, the most Excel keeps exactly.
        case integer(Int64)
        /// An amount in minor units and its ISO 4217 currency code (three capital letters).
        case money(minorUnits: Int64, currency: String)
        /// An amount a number cell cannot show exactly — more than ``Spreadsheet/largestExactNumber`` minor units, or
        /// a currency with another number of decimals than its column — as its exact text, in a money column. A
        /// report keeps every amount to the öre rather than rounding it or refusing the whole workbook.
        case amountText(String)
        /// A calendar date from 1900-01-01 to 9999-12-31, Excel's range.
        case date(year: Int, month: Int, day: Int)
        /// Nothing: a blank cell.
        case empty
    }

    /// The most UTF-16 code units a cell holds: Excel's limit of 32,767 characters per cell.
    ///
    /// Longer text is cut at a character boundary and ends with ``truncationMarker``, rather than failing the whole
    /// workbook: report cells hold outside text (a payer's message, a name from a bank file), and one hostile or
    /// broken value must not make a report impossible to download. The marker makes the cut visible, and the stored
    /// data, not the report, stays the record. The count is of the text as stored in the file, so a cell with many
    /// escaped characters (see ``Spreadsheet`` text rules) is cut slightly earlier.
    public static let maximumCellLength = 32_767
    /// What ends text cut to ``maximumCellLength``.
    public static let truncationMarker = "…[truncated]"
    /// The largest magnitude of an integer or of an amount's minor units: 15 digits, the precision of an Excel number;
    /// larger values would be shown rounded, so they are refused.
    public static let largestExactNumber: Int64 = 999_999_999_999_999
    /// The most rows a worksheet holds, header included (Excel's limit).
    public static let maximumRows = 1_048_576
    /// The most columns a worksheet holds (Excel's limit).
    public static let maximumColumns = 16_384

    /// The worksheet's name (at most 31 characters, none of `[ ] : * ? / \`; checked by libxlsxwriter).
    public let sheetName: String
    /// The columns, in order.
    public private(set) var columns: [Column] = []
    /// The data rows, each with one cell per column that existed when it was added.
    public private(set) var rows: [[Cell]] = []

    /// An empty worksheet named `sheetName`.
    public init(sheetName: String) {
        self.sheetName = sheetName
    }

    /// Appends a column. A column added after rows leaves those rows blank in it.
    public mutating func addColumn(header: String, kind: ColumnKind) {
        columns.append(Column(header: header, kind: kind))
    }

    /// Appends a data row: exactly one cell per column, each of its column's kind or ``Cell/empty``.
    public mutating func addRow(_ cells: [Cell]) throws(SpreadsheetError) {
        let sheetRow = rows.count + 2
        guard rows.count + 1 < Self.maximumRows else { throw .tooManyRows(limit: Self.maximumRows) }
        guard cells.count == columns.count else {
            throw .wrongCellCount(row: sheetRow, expected: columns.count, actual: cells.count)
        }
        for (cell, column) in zip(cells, columns) {
            try Self.check(cell, in: column, row: sheetRow)
        }
        rows.append(cells)
    }

    /// The workbook as the bytes of an `.xlsx` file.
    ///
    /// libxlsxwriter 1.1.4 (Debian 12) writes only to files, so the workbook is written in a private temporary
    /// directory (mode 0700, also used for the library's own temporary files) that is removed before this returns,
    /// whether it succeeds or fails. Blocking: call it off an event loop for large sheets.
    public func xlsxBytes() throws(SpreadsheetError) -> [UInt8] {
        try WorkbookWriter.write(self)
    }

    private static func check(_ cell: Cell, in column: Column, row: Int) throws(SpreadsheetError) {
        let position = CellPosition(row: row, header: column.header)
        switch (cell, column.kind) {
        case (.empty, _), (.text, .text), (.amountText, .money):
            return
        case (.integer(let value), .integer):
            guard value.magnitude <= largestExactNumber.magnitude else {
                throw .numberTooLarge(position, value: value, limit: largestExactNumber)
            }
        case (.money(let minorUnits, let currency), .money):
            guard minorUnits.magnitude <= largestExactNumber.magnitude else {
                throw .numberTooLarge(position, value: minorUnits, limit: largestExactNumber)
            }
            guard currency.utf8.count == 3,
                currency.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
            else { throw .invalidCurrencyCode(position, code: currency) }
        case (.date(let year, let month, let day), .date):
            guard ExcelDate.isValid(year: year, month: month, day: day) else {
                throw .invalidDate(position, year: year, month: month, day: day)
            }
        default:
            throw .cellKindMismatch(position, columnKind: column.kind, cell: cell.kindName)
        }
    }
}

extension Spreadsheet.Cell {
    /// The kind of value, for error messages (never the value itself, which may be personal data).
    var kindName: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .money: "money"
        case .amountText: "amount text"
        case .date: "date"
        case .empty: "empty"
        }
    }
}

/// Calendar checks for the dates Excel can show.
enum ExcelDate {
    /// Whether the date exists in the Gregorian calendar and lies within Excel's 1900–9999.
    static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1900...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
}
