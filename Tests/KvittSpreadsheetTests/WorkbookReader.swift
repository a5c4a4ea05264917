import Foundation
import Testing

/// Reads an `.xlsx` file with Python's openpyxl (PyPI `openpyxl`, installed by scripts/install-deps.sh), an
/// independent reader, so that the tests check what a spreadsheet program sees rather than what the writer meant.
enum WorkbookReader {
    /// What openpyxl reports about the first worksheet.
    struct Sheet: Decodable {
        var title: String
        var autofilter: String?
        var freezePanes: String?
        /// Rows of cells, header first.
        var rows: [[Cell]]
        /// Column widths by letter.
        var widths: [String: Double]
        /// Whether the worksheet's XML has any formula element (`<f>`).
        var hasFormula: Bool
        /// Whether a cell is stored inline or as a shared string, per reference (`A1` → `s`).
        var storedTypes: [String: String]
    }

    struct Cell: Decodable {
        /// openpyxl's data type: `s` string, `n` number, `d` date, `f` formula.
        var type: String
        var isDate: Bool
        var numberFormat: String
        var bold: Bool
        var text: String?
        /// The shared string as Excel shows it: `_xHHHH_` sequences decoded in one pass, as ECMA-376 requires (openpyxl
        /// decodes only `_x005F_`).
        var decodedText: String?
        var number: Double?
        var date: String?
    }

    private static let script = #"""
        import json, re, sys, zipfile
        import xml.etree.ElementTree as ElementTree
        import openpyxl

        MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

        def decode(text):
            # ECMA-376 ST_Xstring, as Excel reads it: one left-to-right pass over _xHHHH_. openpyxl only drops
            # "x005F_", so the raw shared string is decoded here instead.
            return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), text)

        path = sys.argv[1]
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
            strings_root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(node.text or "" for node in item.iter(MAIN + "t")) for item in strings_root.findall(MAIN + "si")]
        sheet_root = ElementTree.fromstring(xml.encode("utf-8"))
        raw = {}
        for cell in sheet_root.iter(MAIN + "c"):
            value = cell.find(MAIN + "v")
            if cell.get("t") == "s" and value is not None:
                raw[cell.get("r")] = shared[int(value.text)]

        workbook = openpyxl.load_workbook(path)
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                value = cell.value
                entry = {"type": cell.data_type, "isDate": bool(cell.is_date), "numberFormat": cell.number_format,
                         "bold": bool(cell.font.b)}
                if isinstance(value, str):
                    entry["text"] = value
                    entry["decodedText"] = decode(raw.get(cell.coordinate, value))
                elif hasattr(value, "isoformat"):
                    entry["date"] = value.isoformat()
                elif isinstance(value, (int, float)):
                    entry["number"] = value
                cells.append(entry)
            rows.append(cells)
        stored = {cell.get("r"): cell.get("t") for cell in sheet_root.iter(MAIN + "c") if cell.get("t")}
        print(json.dumps({
            "title": sheet.title,
            "autofilter": sheet.auto_filter.ref,
            "freezePanes": sheet.freeze_panes,
            "rows": rows,
            "widths": {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()},
            "hasFormula": sheet_root.find(".//" + MAIN + "f") is not None,
            "storedTypes": stored,
        }))
        """#

    /// Opens `bytes` with openpyxl; fails the test with a hint when python3 or openpyxl is missing.
    static func read(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> Sheet {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-xlsx-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sheet.xlsx")
        try Data(bytes).write(to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "openpyxl could not read the workbook (missing? scripts/install-deps.sh installs it):\n\(errorText)",
            sourceLocation: sourceLocation
        )
        return try JSONDecoder().decode(Sheet.self, from: data)
    }
}
