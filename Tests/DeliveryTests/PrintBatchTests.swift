import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import Delivery

/// The day's print batch from real letters (rendered by Chromium), merged by poppler's `pdfunite` and read back
/// with `pdftotext`.
struct PrintBatchTests {
    static let day = CalendarDate(year: 2027, month: 1, day: 25)!

    /// A letter rendered as the worker renders it, filed in the day's print folder as the worker files it.
    static func print(_ kind: DocumentKind, id: String, into printDirectory: URL) async throws {
        let html = try DocumentRenderer(collector: DeliveryHarness.collector).html(DocumentRenderingTests.letter(kind))
        let pdf = try await PDFRenderer().pdf(fromHTML: html)
        let folder = printDirectory.appendingPathComponent(day.description)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pdf.write(to: folder.appendingPathComponent("\(id).pdf"))
    }

    @Test func aDayWithTwoLettersGivesOnePDFWithBoth() async throws {
        let printDirectory = try TestBroker.temporaryDirectory().appendingPathComponent("print")
        try await Self.print(.reminder, id: "reminder-1", into: printDirectory)
        try await Self.print(.collectionLetter, id: "collection-letter-2", into: printDirectory)
        let batcher = PrintBatcher(printDirectory: printDirectory)

        #expect(try await batcher.makeFinishedDays(before: Self.day) == [:], "the day is not over yet")
        #expect(
            try await batcher.makeFinishedDays(before: Self.day.adding(days: 1)) == [Self.day: .written(documents: 2)]
        )

        let batches = try FileManager.default.contentsOfDirectory(atPath: batcher.batchDirectory.path)
            .filter { $0.hasSuffix(".pdf") }
        #expect(batches == ["2027-01-25.pdf"], "one PDF for the day")
        let batch = try Data(contentsOf: batcher.batchFile(for: Self.day))
        let text = flattened(try await PDFText.extract(batch))
        #expect(text.contains("Påminnelse"), "the reminder: \(text.prefix(300))")
        #expect(text.contains("Inkassokrav"), "the collection letter")
        #expect(try await Self.pageCount(batcher.batchFile(for: Self.day)) >= 2)

        // Idempotent: the same day again changes nothing, byte for byte.
        #expect(try await batcher.makeBatch(for: Self.day) == .unchanged(documents: 2))
        #expect(try Data(contentsOf: batcher.batchFile(for: Self.day)) == batch)
        #expect(
            await PrintBatchCommand.run(
                arguments: ["2027-01-25"],
                settings: Self.settings(printDirectory),
                today: Self.day
            ) == 0
        )
        #expect(try Data(contentsOf: batcher.batchFile(for: Self.day)) == batch)
        #expect(
            await PrintBatchCommand.run(arguments: ["25/1"], settings: Self.settings(printDirectory), today: Self.day)
                == 2
        )
        #expect(try await batcher.makeBatch(for: Self.day.adding(days: 1)) == .nothingToPrint)
    }

    @Test func aLateDocumentRemakesTheBatch() async throws {
        let printDirectory = try TestBroker.temporaryDirectory().appendingPathComponent("print")
        try await Self.print(.reminder, id: "reminder-1", into: printDirectory)
        let batcher = PrintBatcher(printDirectory: printDirectory)
        #expect(try await batcher.makeBatch(for: Self.day) == .written(documents: 1))
        try await Self.print(.surveillanceLetter, id: "surveillance-letter-3", into: printDirectory)
        #expect(try await batcher.makeBatch(for: Self.day) == .written(documents: 2))
        let text = flattened(try await PDFText.extract(try Data(contentsOf: batcher.batchFile(for: Self.day))))
        #expect(text.contains("Påminnelse"))
    }

    static func settings(_ printDirectory: URL) -> DeliverySettings {
        DeliverySettings(smtp: nil, printDirectory: printDirectory, collector: DeliveryHarness.collector)
    }

    static func pageCount(_ file: URL) async throws -> Int {
        let run = try await UBLValidation.command("pdfinfo", [file.path])
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("Pages:") } ?? ""
        return Int(line.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
}
