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

    /// Renders `html`; a render that outlives ``timeout`` or whose task is cancelled is killed with every helper
    /// process Chromium forked (``ChildProcessRunner``). `started` is told the browser's pid (its process group).
    func pdf(fromHTML html: String, started: (@Sendable (pid_t) -> Void)? = nil) async throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("document.html")
        let output = folder.appendingPathComponent("document.pdf")
        try Data(html.utf8).write(to: page)
        let result = try await ChildProcessRunner.run(
            executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-pdf-header-footer", "--print-to-pdf-no-header",
                "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
                "--print-to-pdf=\(output.path)", page.absoluteString,
            ],
            timeout: timeout,
            started: started
        )
        guard let data = try? Data(contentsOf: output), data.starts(with: Array("%PDF-".utf8)) else {
            throw PDFRenderError(
                description: "\(executable) exited \(result.status) without a PDF: \(result.errorText.suffix(500))"
            )
        }
        return data
    }
}
