import Foundation
import KvittMessaging

/// Delivery's own settings, beside the ones every service has (``ServiceSettings``):
///
/// | variable | default | what |
/// |---|---|---|
/// | `SMTP_HOST` | (none: e-mail waits and is retried) | the mail server or relay |
/// | `SMTP_PORT` | `587` | its port |
/// | `SMTP_FROM` | `faktura@localhost` | the sender of every mail |
/// | `SMTP_STARTTLS` | `required` | `required` (never send in the clear) or `off` (a relay on the same host, a test server) |
/// | `SMTP_TIMEOUT` | `30s` | the longest one SMTP conversation may take |
/// | `PRINT_DIRECTORY` | `./print-outbox` | where printed documents go, one folder per day |
/// | `PEPPOL_DIRECTORY` | `./peppol-outbox` | where Peppol UBL files go (`<document-id>.xml`), for an access point to pick up |
/// | `CHROMIUM_PATH` | `chromium` | the browser that prints HTML to PDF |
/// | `DELIVERY_RETRY_DELAYS` | `30s,2m,10m,1h,6h` | waits before each retry of a transient failure; then parked |
/// | `DELIVERY_POLL_INTERVAL` | `1s` | how often the worker looks for due deliveries |
/// | `COLLECTOR_NAME`, `COLLECTOR_ORGANISATION_NUMBER` | (none) | the collection agency named on collection letters |
/// | `COLLECTOR_CONTACT` | `the creditor` | where debtors dispute a claim or ask about it |
struct DeliverySettings: Sendable {
    var smtp: SMTPSettings?
    var printDirectory: URL
    /// The Peppol outbox: one UBL file per invoice or credit invoice, written atomically.
    var peppolDirectory: URL
    var pdfRenderer: PDFRenderer
    var retryDelays: [Duration]
    var pollInterval: Duration
    var collector: CollectorDetails

    init(
        smtp: SMTPSettings?,
        printDirectory: URL,
        peppolDirectory: URL? = nil,
        pdfRenderer: PDFRenderer = PDFRenderer(),
        retryDelays: [Duration] = [.seconds(30), .seconds(120), .seconds(600), .seconds(3600), .seconds(21600)],
        pollInterval: Duration = .seconds(1),
        collector: CollectorDetails
    ) {
        self.smtp = smtp
        self.printDirectory = printDirectory
        // Beside the print outbox unless told otherwise, so a test's temporary folder holds both.
        self.peppolDirectory =
            peppolDirectory ?? printDirectory.deletingLastPathComponent().appendingPathComponent("peppol-outbox")
        self.pdfRenderer = pdfRenderer
        self.retryDelays = retryDelays
        self.pollInterval = pollInterval
        self.collector = collector
    }

    /// Reads the settings from the environment; a value that cannot be used is named with its variable.
    init(environment: [String: String]) throws(ServiceSettings.InvalidSetting) {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        func duration(_ name: String, _ fallback: Duration) throws(ServiceSettings.InvalidSetting) -> Duration {
            guard let text = value(name) else { return fallback }
            guard let parsed = DurationText.parse(text) else {
                throw .init(variable: name, problem: "expected a duration like 30s, got '\(text)'")
            }
            return parsed
        }
        var smtp: SMTPSettings?
        if let host = value("SMTP_HOST") {
            let portText = value("SMTP_PORT") ?? "587"
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw .init(variable: "SMTP_PORT", problem: "expected a port 1–65535, got '\(portText)'")
            }
            let startTLSText = value("SMTP_STARTTLS") ?? SMTPSettings.StartTLS.required.rawValue
            guard let startTLS = SMTPSettings.StartTLS(rawValue: startTLSText.lowercased()) else {
                throw .init(variable: "SMTP_STARTTLS", problem: "expected required or off, got '\(startTLSText)'")
            }
            let from = value("SMTP_FROM") ?? "faktura@localhost"
            guard EmailAddress.isUsable(from) || from.hasSuffix("@localhost") else {
                throw .init(variable: "SMTP_FROM", problem: "not a usable e-mail address: '\(from)'")
            }
            smtp = SMTPSettings(
                host: host,
                port: port,
                from: from,
                startTLS: startTLS,
                timeout: try duration("SMTP_TIMEOUT", .seconds(30))
            )
        }
        var retryDelays = [Duration.seconds(30), .seconds(120), .seconds(600), .seconds(3600), .seconds(21600)]
        if let text = value("DELIVERY_RETRY_DELAYS") {
            guard let parsed = DurationText.parseList(text), !parsed.isEmpty else {
                throw .init(
                    variable: "DELIVERY_RETRY_DELAYS",
                    problem: "expected a list like 30s,2m,10m, got '\(text)'"
                )
            }
            retryDelays = parsed
        }
        self.init(
            smtp: smtp,
            printDirectory: URL(fileURLWithPath: value("PRINT_DIRECTORY") ?? "print-outbox"),
            peppolDirectory: URL(fileURLWithPath: value("PEPPOL_DIRECTORY") ?? "peppol-outbox"),
            pdfRenderer: PDFRenderer(executable: value("CHROMIUM_PATH") ?? "chromium"),
            retryDelays: retryDelays,
            pollInterval: try duration("DELIVERY_POLL_INTERVAL", .seconds(1)),
            collector: CollectorDetails(
                name: value("COLLECTOR_NAME"),
                organisationNumber: value("COLLECTOR_ORGANISATION_NUMBER"),
                contact: value("COLLECTOR_CONTACT") ?? "the creditor"
            )
        )
    }
}
