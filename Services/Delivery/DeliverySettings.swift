import Foundation
import KvittMessaging

/// Delivery's own settings, beside the ones every service has (``ServiceSettings``); each is a ``Setting`` defined
/// once below (`delivery --help` lists them with their defaults). Without `SMTP_HOST`, e-mail waits and is retried.
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
        retryDelays: [Duration] = DeliverySettings.defaultRetryDelays,
        pollInterval: Duration = DeliverySettings.defaultPollInterval,
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

    /// `DELIVERY_RETRY_DELAYS`'s default.
    static let defaultRetryDelays = DurationText.parseList(Setting.deliveryRetryDelays.defaultValue)!
    /// `DELIVERY_POLL_INTERVAL`'s default.
    static let defaultPollInterval = DurationText.parse(Setting.deliveryPollInterval.defaultValue)!

    /// Every setting of delivery's own, in the order `--help` lists them.
    static let all: [Setting] = [
        .smtpHost, .smtpPort, .smtpFrom, .smtpStartTLS, .smtpTimeout, .smtpCAFile, .printDirectory, .peppolDirectory,
        .chromiumPath, .deliveryRetryDelays, .deliveryPollInterval, .collectorName, .collectorOrganisationNumber,
        .collectorContact,
    ]

    /// Reads the settings; a value that cannot be used is named with its variable.
    init(configuration config: KvittConfiguration) throws(ServiceSettings.InvalidSetting) {
        var smtp: SMTPSettings?
        if let host = config.optionalText(.smtpHost) {
            let from = try config.parsed(.smtpFrom, expected: "a usable e-mail address") { from in
                EmailAddress.isUsable(from) || from.hasSuffix("@localhost") ? from : nil
            }
            let settings = SMTPSettings(
                host: host,
                port: try config.int(.smtpPort, in: 1...65535),
                from: from,
                startTLS: try config.parsed(.smtpStartTLS, expected: "required or off") {
                    SMTPSettings.StartTLS(rawValue: $0.lowercased())
                },
                timeout: try config.duration(.smtpTimeout, in: .seconds(1) ... .seconds(3600)),
                certificateAuthorities: try config.readableFile(.smtpCAFile).map { URL(fileURLWithPath: $0) }
            )
            // A file of no certificate would otherwise surface only at the first mail, as a failure of every mail.
            if let authorities = settings.certificateAuthorities {
                do {
                    _ = try SMTPClient.makeTLSContext(settings)
                } catch {
                    throw .init(
                        variable: Setting.smtpCAFile.variable,
                        problem: "expected PEM certificates in '\(authorities.path)': \(error)"
                    )
                }
            }
            smtp = settings
        }
        self.init(
            smtp: smtp,
            printDirectory: URL(fileURLWithPath: config.text(.printDirectory)),
            peppolDirectory: URL(fileURLWithPath: config.text(.peppolDirectory)),
            pdfRenderer: PDFRenderer(executable: config.text(.chromiumPath)),
            retryDelays: try config.durations(.deliveryRetryDelays),
            pollInterval: try config.duration(.deliveryPollInterval, in: .milliseconds(10) ... .seconds(3600)),
            collector: CollectorDetails(
                name: config.optionalText(.collectorName),
                organisationNumber: config.optionalText(.collectorOrganisationNumber),
                contact: config.text(.collectorContact)
            )
        )
    }
}

extension Setting {
    static let smtpHost = Setting("SMTP_HOST", "", "the mail server or relay; without it e-mail waits and is retried")
    static let smtpPort = Setting("SMTP_PORT", "587", "its port")
    static let smtpFrom = Setting("SMTP_FROM", "faktura@localhost", "the sender of every mail")
    static let smtpStartTLS = Setting(
        "SMTP_STARTTLS",
        "required",
        "required (never send in the clear) or off (a relay on the same host, a test server)"
    )
    static let smtpTimeout = Setting("SMTP_TIMEOUT", "30s", "the longest one SMTP conversation may take")
    static let smtpCAFile = Setting(
        "SMTP_CA_FILE",
        "",
        "a PEM file of CAs trusted for the relay's STARTTLS certificate besides the system's (a private CA)"
    )
    static let printDirectory = Setting(
        "PRINT_DIRECTORY",
        "./print-outbox",
        "where printed documents go, one folder per day"
    )
    static let peppolDirectory = Setting(
        "PEPPOL_DIRECTORY",
        "./peppol-outbox",
        "where Peppol UBL files go (<document-id>.xml), for an access point to pick up"
    )
    static let chromiumPath = Setting("CHROMIUM_PATH", "chromium", "the browser that prints HTML to PDF")
    static let deliveryRetryDelays = Setting(
        "DELIVERY_RETRY_DELAYS",
        "30s,2m,10m,1h,6h",
        "waits before each retry of a transient failure; then parked"
    )
    static let deliveryPollInterval = Setting(
        "DELIVERY_POLL_INTERVAL",
        "1s",
        "how often the worker looks for due deliveries"
    )
    static let collectorName = Setting("COLLECTOR_NAME", "", "the collection agency named on collection letters")
    static let collectorOrganisationNumber = Setting(
        "COLLECTOR_ORGANISATION_NUMBER",
        "",
        "its organisationsnummer"
    )
    static let collectorContact = Setting(
        "COLLECTOR_CONTACT",
        "the creditor",
        "where debtors dispute a claim or ask about it"
    )
}
