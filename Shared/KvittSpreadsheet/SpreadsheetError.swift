/// Where a cell is: its row as numbered in the sheet (the header is row 1, the first data row 2) and its column's
/// header.
public struct CellPosition: Sendable, Hashable, CustomStringConvertible {
    /// The row number as Excel shows it.
    public var row: Int
    /// The header of the cell's column.
    public var header: String

    /// The cell in sheet row `row` (1 is the header) under `header`.
    public init(row: Int, header: String) {
        self.row = row
        self.header = header
    }

    public var description: String { "row \(row), column \"\(header)\"" }
}

/// Why a spreadsheet could not be built or written. Messages name positions and kinds, never cell values (which
/// may be personal data), except the currency code and date parts, which are not.
public enum SpreadsheetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libxlsxwriter reported an error; `message` is its own text (`lxw_strerror`).
    case library(operation: String, code: Int32, message: String)
    /// The workbook's temporary file could not be created, read or removed.
    case temporaryFile(operation: String, reason: String)
    /// The sheet name is empty or contains a NUL character (other rules are libxlsxwriter's, reported as
    /// ``library(operation:code:message:)``).
    case invalidSheetName(reason: String)
    /// A money column's decimals are outside 0...6.
    case invalidColumn(header: String, reason: String)
    /// A row has more or fewer cells than there are columns.
    case wrongCellCount(row: Int, expected: Int, actual: Int)
    /// A cell's value is not of its column's kind.
    case cellKindMismatch(CellPosition, columnKind: Spreadsheet.ColumnKind, cell: String)
    /// A number has more digits than Excel keeps exactly.
    case numberTooLarge(CellPosition, value: Int64, limit: Int64)
    /// A currency code is not three capital letters.
    case invalidCurrencyCode(CellPosition, code: String)
    /// A date does not exist or is outside Excel's 1900–9999.
    case invalidDate(CellPosition, year: Int, month: Int, day: Int)
    /// The sheet would have more rows than Excel allows.
    case tooManyRows(limit: Int)
    /// The sheet has more columns than Excel allows.
    case tooManyColumns(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .library(let operation, let code, let message):
            "libxlsxwriter \(operation) failed (error \(code)): \(message)"
        case .temporaryFile(let operation, let reason):
            "could not \(operation) the workbook's temporary file: \(reason)"
        case .invalidSheetName(let reason):
            "invalid sheet name: \(reason)"
        case .invalidColumn(let header, let reason):
            "column \"\(header)\": \(reason)"
        case .wrongCellCount(let row, let expected, let actual):
            "row \(row) has \(actual) cells, the sheet has \(expected) columns"
        case .cellKindMismatch(let position, let columnKind, let cell):
            "\(position): a \(cell) cell in a \(columnKind) column"
        case .numberTooLarge(let position, _, let limit):
            "\(position): the number has more than \(String(limit).count) digits, which Excel would round"
        case .invalidCurrencyCode(let position, let code):
            "\(position): currency code \"\(code)\" is not three capital letters (ISO 4217)"
        case .invalidDate(let position, let year, let month, let day):
            "\(position): \(year)-\(month)-\(day) is not a date from 1900-01-01 to 9999-12-31"
        case .tooManyRows(let limit):
            "a worksheet holds at most \(limit) rows, header included"
        case .tooManyColumns(let count, let limit):
            "\(count) columns; a worksheet holds at most \(limit)"
        }
    }
}
