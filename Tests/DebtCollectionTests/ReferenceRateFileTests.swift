import Foundation
import KvittContracts
import KvittMessaging
import Testing

@testable import DebtCollection

/// The reference-rate table as data: the shipped file, the operator's replacement, and what happens when a needed
/// half-year is missing.
@Suite("Reference-rate file")
struct ReferenceRateFileTests {
    /// `config/reference-rates.txt` at the repository root.
    static let shippedFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/reference-rates.txt")

    @Test func theShippedFileIsTheBuiltInTable() throws {
        let text = try String(contentsOf: Self.shippedFile, encoding: .utf8)
        #expect(text == ReferenceRateTable.builtInText)
        #expect(try ReferenceRateTable(parsing: text) == .riksbank)
        #expect(try ReferenceRateTable(parsing: ReferenceRateTable.riksbank.text) == .riksbank)
    }

    @Test func percentagesAreReadExactly() {
        #expect(ReferenceRateTable.basisPoints(percent: "2.00") == 200)
        #expect(ReferenceRateTable.basisPoints(percent: "3.5") == 350)
        #expect(ReferenceRateTable.basisPoints(percent: "-0.50") == -50)
        #expect(ReferenceRateTable.basisPoints(percent: "4") == 400)
        for bad in ["2,00", "2.005", "+2.00", "2e2", "", ".5", "2.", "--1", "1000.00", "٢.٠٠", " 2.00"] {
            #expect(ReferenceRateTable.basisPoints(percent: Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func aBadLineIsNamed() {
        let cases: [(String, Int)] = [
            ("2026-01-01  2.00\n2026-07-01  2,00\n", 2),
            ("# rates\n\n2026-01-01 2.00 extra\n", 3),
            ("2026-01-01  2.00\n2026-07-15  2.00\n", 2),
            ("2026-01-01  2.00\n2026-01-01  2.50\n", 2),
            ("2026-13-01  2.00\n", 1),
        ]
        for (text, line) in cases {
            #expect(throws: ReferenceRateTable.ParseError.self, "\(text)") {
                try ReferenceRateTable(parsing: text)
            }
            do {
                _ = try ReferenceRateTable(parsing: text)
            } catch {
                #expect(error.line == line, "\(text): \(error)")
            }
        }
        // A gap and an empty file are the table's problems; the gap names the half-year that is missing.
        #expect(throws: ReferenceRateTable.ParseError.self) { try ReferenceRateTable(parsing: "# nothing\n") }
        do {
            _ = try ReferenceRateTable(parsing: "2025-01-01 3.00\n2026-01-01 2.00\n")
            Issue.record("a gap was accepted")
        } catch {
            #expect(error.description.contains("2025-01-01"), "\(error)")
        }
    }

    @Test func theOperatorsFileReplacesTheTableAndTheEnvironmentAddsToIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-rates-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rates.txt")
        try (ReferenceRateTable.builtInText + "2026-07-01  1.50\n").write(to: file, atomically: true, encoding: .utf8)
        let table = try DebtCollectionService.rates(environment: ["REFERENCE_RATES_FILE": file.path])
        #expect(table.rate(on: CalendarDate("2026-10-01")!) == 150)
        #expect(table.coveredThrough == CalendarDate("2026-12-31")!)
        let extended = try DebtCollectionService.rates(environment: [
            "REFERENCE_RATES_FILE": file.path, "REFERENCE_RATES": "2027-01-01:100",
        ])
        #expect(extended.rate(on: CalendarDate("2027-03-01")!) == 100)

        try "2026-07-01  1,50\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try DebtCollectionService.rates(environment: ["REFERENCE_RATES_FILE": file.path])
            Issue.record("a bad file was accepted")
        } catch {
            #expect(error.variable == "REFERENCE_RATES_FILE")
            #expect(error.problem.contains("line 1"), "\(error)")
        }
        #expect(throws: ServiceSettings.InvalidSetting.self) {
            try DebtCollectionService.rates(environment: ["REFERENCE_RATES_FILE": directory.path + "/missing"])
        }
    }
}
