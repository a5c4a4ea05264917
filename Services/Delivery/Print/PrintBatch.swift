import Foundation
import KvittContracts
import KvittMessaging
import Logging
import ServiceLifecycle

/// The day's print batch: every PDF the worker put in a day's print folder, combined into one PDF for the print
/// shop, `<print directory>/batches/<day>.pdf`.
///
/// Combined with `pdfunite` from Debian's `poppler-utils` rather than `qpdf`: poppler is already installed for the
/// tests' `pdftotext`, so the batch adds no package; the inputs are Chromium's own well-formed PDFs, so qpdf's
/// strengths (repairing damaged files, linearisation, encryption) buy nothing here; and pdfunite keeps each input's
/// pages, fonts and page size as they are.
///
/// Idempotent: beside the batch lies `<day>.manifest`, the names and sizes of the PDFs it was made from. A batch
/// whose manifest matches the folder is left alone; one whose folder changed (a late document, a batch interrupted
/// before its manifest was written) is made again. Both files are written under a temporary name and renamed, so a
/// print shop collecting `batches/*.pdf` never takes half a batch.
struct PrintBatcher: Sendable {
    var printDirectory: URL
    /// The `pdfunite` executable (on the `PATH` by default).
    var pdfunite: String = "pdfunite"
    /// A merge that takes longer is killed and counts as a failure.
    var timeout: Duration = .seconds(120)

    /// What making a day's batch did.
    enum Outcome: Equatable, Sendable {
        /// The batch was written from this many documents.
        case written(documents: Int)
        /// The batch already matched the day's documents.
        case unchanged(documents: Int)
        /// The day has no printed documents.
        case nothingToPrint
    }

    var batchDirectory: URL { printDirectory.appendingPathComponent("batches") }

    func batchFile(for day: CalendarDate) -> URL { batchDirectory.appendingPathComponent("\(day).pdf") }

    func manifestFile(for day: CalendarDate) -> URL { batchDirectory.appendingPathComponent("\(day).manifest") }

    /// The day's printed documents, by name (the document id), so the same folder always gives the same batch.
    func documents(on day: CalendarDate) throws -> [URL] {
        let folder = printDirectory.appendingPathComponent(day.description)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "pdf" && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Makes (or confirms) one day's batch.
    @discardableResult
    func makeBatch(for day: CalendarDate) async throws -> Outcome {
        let inputs = try documents(on: day)
        guard !inputs.isEmpty else { return .nothingToPrint }
        let manifest =
            try inputs.map { file -> String in
                let size = try file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? -1
                return "\(file.lastPathComponent)\t\(size)"
            }.joined(separator: "\n") + "\n"
        let batch = batchFile(for: day)
        let manifestURL = manifestFile(for: day)
        if FileManager.default.fileExists(atPath: batch.path),
            let existing = try? String(contentsOf: manifestURL, encoding: .utf8), existing == manifest
        {
            return .unchanged(documents: inputs.count)
        }
        try FileManager.default.createDirectory(at: batchDirectory, withIntermediateDirectories: true)
        let partial = batchDirectory.appendingPathComponent(".\(day).pdf.partial")
        try? FileManager.default.removeItem(at: partial)
        try await merge(inputs, into: partial)
        try AtomicRename.move(partial, to: batch)
        let manifestPartial = batchDirectory.appendingPathComponent(".\(day).manifest.partial")
        try Data(manifest.utf8).write(to: manifestPartial)
        try AtomicRename.move(manifestPartial, to: manifestURL)
        return .written(documents: inputs.count)
    }

    /// Makes the batch of every day before `today` that has a print folder: a day is over once the business
    /// clock has passed it, and no document is filed under a past day after that.
    func makeFinishedDays(before today: CalendarDate) async throws -> [CalendarDate: Outcome] {
        guard FileManager.default.fileExists(atPath: printDirectory.path) else { return [:] }
        let days = try FileManager.default.contentsOfDirectory(atPath: printDirectory.path)
            .compactMap { CalendarDate($0) }
            .filter { $0 < today }
            .sorted()
        var outcomes: [CalendarDate: Outcome] = [:]
        for day in days { outcomes[day] = try await makeBatch(for: day) }
        return outcomes
    }

    private func merge(_ inputs: [URL], into output: URL) async throws {
        let result = try await ChildProcessRunner.run(
            pdfunite,
            inputs.map(\.path) + [output.path],
            timeout: timeout
        )
        guard result.status == 0, let data = try? Data(contentsOf: output), data.starts(with: Array("%PDF-".utf8))
        else {
            throw PrintBatchError(description: "\(pdfunite) exited \(result.status): \(result.errorText.prefix(500))")
        }
    }
}

/// A batch could not be made; the day's documents are untouched and the next pass tries again.
struct PrintBatchError: Error, CustomStringConvertible {
    let description: String
}

/// Makes the print batch of each day once the business clock has left it.
struct PrintBatchService: Service {
    let batcher: PrintBatcher
    let clock: any BusinessClock
    let logger: Logger
    /// How often it looks for finished days.
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await runOnce()
            await pauseBetweenPasses(for: interval)
        }
    }

    /// One pass: every finished day's batch, made or confirmed.
    func runOnce() async {
        do {
            let outcomes = try await batcher.makeFinishedDays(before: CalendarDate.today(at: clock.now()))
            for (day, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
                if case .written(let documents) = outcome {
                    logger.info(
                        "print batch written",
                        metadata: [
                            "day": "\(day)", "documents": "\(documents)",
                            "file": "\(batcher.batchFile(for: day).path)",
                        ]
                    )
                }
            }
        } catch {
            logger.error("print batch failed", metadata: ["error": "\(FailureDetail.masked("\(error)"))"])
        }
    }
}

/// The operator's command: `delivery print-batch [YYYY-MM-DD]` makes (or confirms) one day's batch now, by default
/// today's so far. Exit 0 with the batch's path, 2 for a date that cannot be read, 1 when the batch failed.
enum PrintBatchCommand {
    static let name = "print-batch"

    static func run(arguments: [String], settings: DeliverySettings, today: CalendarDate) async -> Int32 {
        let day: CalendarDate
        if let text = arguments.first {
            guard let parsed = CalendarDate(text) else {
                FileHandle.standardError.write(Data("delivery print-batch: not a date YYYY-MM-DD: \(text)\n".utf8))
                return 2
            }
            day = parsed
        } else {
            day = today
        }
        let batcher = PrintBatcher(printDirectory: settings.printDirectory)
        do {
            let outcome = try await batcher.makeBatch(for: day)
            let line: String
            switch outcome {
            case .written(let documents): line = "written \(batcher.batchFile(for: day).path) (\(documents) documents)"
            case .unchanged(let documents):
                line = "unchanged \(batcher.batchFile(for: day).path) (\(documents) documents)"
            case .nothingToPrint: line = "nothing printed on \(day)"
            }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            return 0
        } catch {
            FileHandle.standardError.write(Data("delivery print-batch: \(error)\n".utf8))
            return 1
        }
    }
}
