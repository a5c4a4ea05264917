import Foundation

/// Why a page did not become a PDF.
struct PDFRenderError: Error, CustomStringConvertible {
    let description: String
}

/// HTML to an A4 PDF with Debian's headless Chromium (`apt-get install chromium`): the same engine that shows the
/// HTML documents, fonts embedded, no network (the page is a local file with everything inline).
struct PDFRenderer: Sendable {
    /// The browser executable (`CHROMIUM_PATH`, `chromium` on the `PATH` by default).
    var executable: String = "chromium"
    /// A render that takes longer is killed and counts as a failure (retried with the delivery's backoff).
    var timeout: Duration = .seconds(60)

    func pdf(fromHTML html: String) async throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("document.html")
        let output = folder.appendingPathComponent("document.pdf")
        try Data(html.utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-pdf-header-footer", "--print-to-pdf-no-header",
            "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
            "--print-to-pdf=\(output.path)", page.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status = try await run(process)
        guard let data = try? Data(contentsOf: output), data.starts(with: Array("%PDF-".utf8)) else {
            throw PDFRenderError(description: "\(executable) exited \(status) without a PDF")
        }
        return data
    }

    private func run(_ process: Process) async throws -> Int32 {
        let (statuses, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { continuation.yield($0.terminationStatus) }
        try process.run()
        let processID = process.processIdentifier
        let timeout = timeout
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            kill(processID, SIGKILL)
        }
        defer { watchdog.cancel() }
        for await status in statuses { return status }
        return -1
    }
}
