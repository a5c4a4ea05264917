import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Logging
import ServiceLifecycle

/// Renders the recorded documents and delivers them, off the message path: a handler only records what to send,
/// so a slow browser or mail server never holds up the queue.
///
/// Exactly once per document and channel: the `delivery` row is the one place that says whether the server
/// accepted a message. Just before the final `.` of a message the row becomes `sending`; the server's 250 turns it
/// `sent` in the same transaction that writes `document-delivered` to the outbox. A row still `sending` at start-up
/// was interrupted in that one round trip: the server may have accepted it, so it is parked (`in-doubt`), never
/// sent again on its own. Every other failure happened before the server had the whole message, and is retried.
struct DeliveryWorker: Service {
    let store: MessageStore
    let clock: any BusinessClock
    let settings: DeliverySettings
    let serviceName: String
    let logger: Logger
    let outboxCommitted: @Sendable () -> Void
    /// Made once from ``DeliverySettings/smtp`` (its TLS context with it), not for every mail; `nil` without it.
    let smtpClient: SMTPClient?

    init(
        store: MessageStore,
        clock: any BusinessClock,
        settings: DeliverySettings,
        serviceName: String,
        logger: Logger,
        outboxCommitted: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.serviceName = serviceName
        self.logger = logger
        self.outboxCommitted = outboxCommitted
        smtpClient = settings.smtp.map(SMTPClient.init(settings:))
    }

    /// The most deliveries one pass takes.
    static let batchSize = 20

    func run() async throws {
        do {
            try await parkInterruptedSends()
        } catch {
            logger.error(
                "could not check for interrupted deliveries",
                metadata: ["error": "\(FailureDetail.masked("\(error)"))"]
            )
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await runOnce()
            } catch {
                logger.error("delivery pass failed", metadata: ["error": "\(FailureDetail.masked("\(error)"))"])
            }
            await pauseBetweenPasses(for: settings.pollInterval)
        }
    }

    /// A due delivery.
    struct Due: Sendable {
        var documentID: String
        var channel: DeliveryChannel
        var recipient: String
        var attempts: Int
        var invoiceID: String
        var kind: DocumentKind
        /// The document's revision this attempt rendered (``document(_:)``): the outcome counts only for it.
        var revision: Int = 0
    }

    /// Takes every delivery that is due; returns how many it tried.
    @discardableResult
    func runOnce() async throws -> Int {
        let now = clock.now()
        let due = try await store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.documentID, d.channel, d.recipient, d.attempts, doc.invoiceID, doc.kind, doc.revision
                    FROM delivery d JOIN document doc ON doc.id = d.documentID
                    WHERE d.state IN (?, ?) AND d.nextAttemptAt <= ?
                    ORDER BY d.nextAttemptAt LIMIT ?
                    """,
                arguments: [DeliveryState.pending.rawValue, DeliveryState.failed.rawValue, now, Self.batchSize]
            ).compactMap { row -> Due? in
                guard let channel = DeliveryChannel(rawValue: row["channel"]),
                    let kind = DocumentKind(rawValue: row["kind"])
                else { return nil }
                return Due(
                    documentID: row["documentID"],
                    channel: channel,
                    recipient: row["recipient"],
                    attempts: row["attempts"],
                    invoiceID: row["invoiceID"],
                    kind: kind,
                    revision: row["revision"]
                )
            }
        }
        for delivery in due {
            guard !Task.isShuttingDownGracefully else { break }
            await attempt(delivery)
        }
        return due.count
    }

    /// One attempt at one delivery, its outcome recorded.
    func attempt(_ due: Due) async {
        var delivery = due
        let attempt = delivery.attempts + 1
        let outcome: Outcome
        do {
            let (letter, pdf, revision) = try await document(delivery.documentID)
            delivery.revision = revision
            switch delivery.channel {
            case .email: outcome = try await mail(delivery, attempt: attempt, letter: letter, pdf: pdf)
            case .print: outcome = try await printed(delivery, letter: letter, pdf: pdf)
            case .peppol: outcome = try await peppol(delivery, letter: letter, pdf: pdf)
            }
        } catch is CancellationError {
            // The service is stopping (a render killed with its task): not the delivery's failure, and no attempt.
            return
        } catch is DeliveryRerouted {
            // The message never got its final `.`; the re-routed row is the delivery now, taken on the next pass.
            logger.info(
                "delivery re-routed while it was being sent",
                metadata: ["document.id": "\(delivery.documentID)"]
            )
            return
        } catch let error as LetterError {
            outcome = .parked(reason: "render-failed", detail: error.description)
        } catch let error as MailHeaderTooLong {
            outcome = .parked(reason: "render-failed", detail: error.description)
        } catch let failure as SMTPFailure {
            switch failure {
            case .transient(let detail): outcome = .retry(detail)
            case .permanent(let detail): outcome = .parked(reason: "permanent-refusal", detail: detail)
            case .inDoubt(let detail): outcome = .parked(reason: "in-doubt", detail: detail)
            }
        } catch {
            outcome = .retry("\(error)")
        }
        do {
            try await record(outcome.masked, for: delivery, attempt: attempt)
        } catch {
            logger.error(
                "could not record a delivery's outcome",
                metadata: ["document.id": "\(delivery.documentID)", "error": "\(FailureDetail.masked("\(error)"))"]
            )
        }
    }

    enum Outcome: Sendable {
        case delivered(receipt: String)
        case retry(String)
        case parked(reason: String, detail: String)

        /// The failure with the server's or tool's words masked (``FailureDetail``): from here they are stored,
        /// published and logged.
        var masked: Outcome {
            switch self {
            // A file's name (print, Peppol) is a document id, and the worker withdraws the file by it; a mail
            // server's answer is masked where it is received.
            case .delivered: self
            case .retry(let detail): .retry(FailureDetail.masked(detail))
            case .parked(let reason, let detail): .parked(reason: reason, detail: FailureDetail.masked(detail))
            }
        }
    }

    /// The document's data, its PDF (rendered and kept on first use) and the revision of the data both are of.
    func document(_ id: String) async throws -> (LetterData, Data, revision: Int) {
        let stored = try await store.writer.read { db -> (data: String, pdf: Data?, revision: Int)? in
            try Row.fetchOne(db, sql: "SELECT data, pdf, revision FROM document WHERE id = ?", arguments: [id])
                .map { ($0["data"], $0["pdf"], $0["revision"]) }
        }
        guard let stored else { throw PDFRenderError(description: "document \(id) is gone") }
        let letter = try StoredJSON.decode(LetterData.self, stored.data)
        if let pdf = stored.pdf { return (letter, pdf, stored.revision) }
        let html = try DocumentRenderer(collector: settings.collector).html(letter)
        let pdf = try await settings.pdfRenderer.pdf(fromHTML: html)
        try await store.writer.write { db in
            // Kept only for the data it was made from (a debtor-contact change may have replaced it meanwhile).
            try db.execute(
                sql: "UPDATE document SET pdf = ? WHERE id = ? AND revision = ?",
                arguments: [pdf, id, stored.revision]
            )
        }
        return (letter, pdf, stored.revision)
    }

    func mail(_ delivery: Due, attempt: Int, letter: LetterData, pdf: Data) async throws -> Outcome {
        guard let smtpClient else { return .retry("SMTP_HOST is not set") }
        let smtp = smtpClient.settings
        let view = try DocumentView.make(letter, collector: settings.collector)
        let title = view["title"] as? String ?? letter.kind.rawValue
        let message = try SMTPMessage.make(
            from: smtp.from,
            to: delivery.recipient,
            subject: "\(title) \(letter.invoiceNumber) – \(letter.creditor.name)",
            text: MailText.body(letter, view: view),
            attachmentName: "\(letter.kind.rawValue)-\(FileName.safe(letter.invoiceNumber)).pdf",
            pdf: pdf,
            messageID:
                "\(MailHeader.messageIDLeft(delivery.documentID, channel: delivery.channel.rawValue))@kvitt.delivery",
            date: clock.now()
        )
        let store = store
        let now = clock.now()
        let rerouted = EndOfMessageFlag()
        let receipt: String
        do {
            receipt = try await smtpClient.send(to: delivery.recipient, message: message) {
                // From here until the answer is recorded the server may have the message: a crash leaves it `sending`.
                let current = try await store.writer.write { db in
                    // Only if the row and the document are still what this attempt read and rendered: a
                    // debtor-contact change may have re-routed the row, or changed the postal address on the page
                    // (the same recipient, a new revision, the PDF to be made again).
                    try db.execute(
                        sql: """
                            UPDATE delivery SET state = ?, attempts = ?, updatedAt = ?
                            WHERE documentID = ? AND channel = ? AND recipient = ? AND state IN (?, ?)
                                AND (SELECT revision FROM document WHERE id = ?) = ?
                            """,
                        arguments: [
                            DeliveryState.sending.rawValue, attempt, now, delivery.documentID,
                            delivery.channel.rawValue, delivery.recipient, DeliveryState.pending.rawValue,
                            DeliveryState.failed.rawValue, delivery.documentID, delivery.revision,
                        ]
                    )
                    return db.changesCount == 1
                }
                guard current else {
                    rerouted.mark()
                    throw DeliveryRerouted()
                }
            }
        } catch {
            // The client reports every failure as an SMTP failure; a re-routed row is not one.
            if rerouted.isMarked { throw DeliveryRerouted() }
            throw error
        }
        return .delivered(receipt: FailureDetail.masked(receipt))
    }

    /// Removes a file this attempt wrote for a route the row no longer has (`receipt` as ``printed(_:letter:pdf:)``
    /// and the Peppol outbox give it); e-mail has nothing to take back (its row is claimed before the message ends).
    func withdraw(_ receipt: String?, from channel: DeliveryChannel) {
        guard let receipt else { return }
        let folder: URL
        switch channel {
        case .print: folder = settings.printDirectory
        case .peppol: folder = settings.peppolDirectory
        case .email: return
        }
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(receipt))
    }

    /// Writes the PDF into its print day's folder; the same document always has the same file, so a repeat
    /// after a crash overwrites rather than adds.
    ///
    /// The day is the business day of the first attempt, kept on the delivery row (`printDay`) before the file is
    /// written: a retry after midnight writes the same file in the same folder rather than a second copy in the next
    /// day's batch.
    func printed(_ delivery: Due, letter: LetterData, pdf: Data) async throws -> Outcome {
        let today = CalendarDate.today(at: clock.now()).description
        let day = try await store.writer.write { db -> String? in
            try db.execute(
                sql: """
                    UPDATE delivery SET printDay = COALESCE(printDay, ?)
                    WHERE documentID = ? AND channel = ? AND recipient = ? AND state IN (?, ?)
                    """,
                arguments: [
                    today, delivery.documentID, delivery.channel.rawValue, delivery.recipient,
                    DeliveryState.pending.rawValue, DeliveryState.failed.rawValue,
                ]
            )
            guard db.changesCount == 1 else { return nil }
            return try String.fetchOne(
                db,
                sql: "SELECT printDay FROM delivery WHERE documentID = ? AND channel = ?",
                arguments: [delivery.documentID, delivery.channel.rawValue]
            )
        }
        // The row is no longer this print delivery: a contact change re-routed it.
        guard let day else { throw DeliveryRerouted() }
        let folder = settings.printDirectory.appendingPathComponent(day)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("\(FileName.safe(delivery.documentID)).pdf")
        try pdf.write(to: file, options: .atomic)
        return .delivered(receipt: "\(day)/\(file.lastPathComponent)")
    }

    func record(_ outcome: Outcome, for delivery: Due, attempt: Int) async throws {
        let now = clock.now()
        let today = CalendarDate.today(at: now)
        let delays = settings.retryDelays
        let serviceName = serviceName
        let settled: (event: (any KvittMessage)?, moved: Bool) = try await store.writer.write { db in
            // Only the row and the document revision this attempt read: a contact change may have re-routed it
            // meanwhile (another channel or recipient, attempts from 0) or changed what the page shows (a new
            // revision: the file written here has the old address), and then this outcome is not the document's.
            func update(_ state: DeliveryState, next: Date, error: String?, receipt: String?) throws -> Bool {
                try db.execute(
                    sql: """
                        UPDATE delivery SET state = ?, attempts = ?, nextAttemptAt = ?, lastError = ?,
                            receipt = COALESCE(?, receipt), updatedAt = ?
                        WHERE documentID = ? AND channel = ? AND recipient = ? AND state IN (?, ?, ?)
                            AND (SELECT revision FROM document WHERE id = ?) = ?
                        """,
                    arguments: [
                        state.rawValue, attempt, next, error, receipt, now, delivery.documentID,
                        delivery.channel.rawValue, delivery.recipient, DeliveryState.pending.rawValue,
                        DeliveryState.failed.rawValue, DeliveryState.sending.rawValue, delivery.documentID,
                        delivery.revision,
                    ]
                )
                return db.changesCount > 0
            }
            var event: (any KvittMessage)?
            var outcome = outcome
            if case .retry(let detail) = outcome, attempt > delays.count {
                outcome = .parked(reason: "retries-exhausted", detail: detail)
            }
            switch outcome {
            case .delivered(let receipt):
                guard try update(.sent, next: now, error: nil, receipt: receipt) else { return (nil, true) }
                event = DocumentDelivered(
                    documentID: delivery.documentID,
                    invoiceID: delivery.invoiceID,
                    kind: delivery.kind,
                    channel: delivery.channel,
                    on: today,
                    attempts: attempt,
                    receipt: receipt
                )
            case .retry(let detail):
                let delay = delays[attempt - 1]
                let next = now.addingTimeInterval(delay.timeInterval)
                guard try update(.failed, next: next, error: detail, receipt: nil) else { return (nil, true) }
            case .parked(let reason, let detail):
                guard try update(.parked, next: now, error: "\(reason): \(detail)", receipt: nil) else {
                    return (nil, true)
                }
                event = DeliveryFailed(
                    documentID: delivery.documentID,
                    invoiceID: delivery.invoiceID,
                    kind: delivery.kind,
                    channel: delivery.channel,
                    on: today,
                    reason: reason,
                    detail: detail,
                    attempts: attempt
                )
            }
            if let event {
                try Self.enqueue(event, invoiceID: delivery.invoiceID, serviceName: serviceName, at: now, db)
            }
            return (event, false)
        }
        let event = settled.event
        if settled.moved {
            // A file written for the old route must not go out beside the new one: the print batch and the Peppol
            // access point take whatever is in their folders.
            if case .delivered(let receipt) = outcome { withdraw(receipt, from: delivery.channel) }
            logger.info(
                "delivery re-routed during the attempt; the next pass delivers it",
                metadata: ["document.id": "\(delivery.documentID)", "channel": "\(delivery.channel)"]
            )
            return
        }
        let metadata: Logger.Metadata = [
            "document.id": "\(delivery.documentID)", "channel": "\(delivery.channel)", "attempt": "\(attempt)",
        ]
        if let delivered = event as? DocumentDelivered {
            logger.info(
                "document delivered",
                metadata: metadata.merging(["receipt": "\(delivered.receipt ?? "")"]) { $1 }
            )
        } else if let failed = event as? DeliveryFailed {
            logger.warning(
                "delivery parked",
                metadata: metadata.merging(["reason": "\(failed.reason)", "detail": "\(failed.detail)"]) { $1 }
            )
        } else {
            logger.info("delivery will be retried", metadata: metadata)
        }
        if event != nil { outboxCommitted() }
    }

    /// Parks every delivery a crash left `sending`: the server may have accepted it.
    func parkInterruptedSends() async throws {
        let now = clock.now()
        let today = CalendarDate.today(at: now)
        let serviceName = serviceName
        let parked = try await store.writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.documentID, d.channel, d.attempts, doc.invoiceID, doc.kind
                    FROM delivery d JOIN document doc ON doc.id = d.documentID WHERE d.state = ?
                    """,
                arguments: [DeliveryState.sending.rawValue]
            )
            let detail = "interrupted after the whole message was sent; the server may have accepted it"
            for row in rows {
                guard let channel = DeliveryChannel(rawValue: row["channel"]),
                    let kind = DocumentKind(rawValue: row["kind"])
                else { continue }
                let documentID: String = row["documentID"]
                try db.execute(
                    sql: """
                        UPDATE delivery SET state = ?, lastError = ?, updatedAt = ? WHERE documentID = ? AND channel = ?
                        """,
                    arguments: [
                        DeliveryState.parked.rawValue, "in-doubt: \(detail)", now, documentID, channel.rawValue,
                    ]
                )
                try Self.enqueue(
                    DeliveryFailed(
                        documentID: documentID,
                        invoiceID: row["invoiceID"],
                        kind: kind,
                        channel: channel,
                        on: today,
                        reason: "in-doubt",
                        detail: detail,
                        attempts: row["attempts"]
                    ),
                    invoiceID: row["invoiceID"],
                    serviceName: serviceName,
                    at: now,
                    db
                )
            }
            return rows.count
        }
        if parked > 0 {
            logger.warning("deliveries interrupted in flight parked as in-doubt", metadata: ["count": "\(parked)"])
            outboxCommitted()
        }
    }

    static func enqueue(
        _ message: any KvittMessage,
        invoiceID: String,
        serviceName: String,
        at now: Date,
        _ db: Database
    ) throws {
        func enqueue<M: KvittMessage>(_ message: M) throws {
            try Outbox.enqueue(
                message,
                envelope: MessageEnvelope(
                    type: M.messageType,
                    correlationID: invoiceID,
                    timestamp: now,
                    appID: serviceName
                ),
                in: db
            )
        }
        try enqueue(message)
    }
}

/// The delivery row changed (a new recipient or channel) or its document did (a new revision: another postal
/// address on the page) between reading it and the end of the message: this attempt stops before the server has the
/// whole message, and the next pass renders and sends what the row and the document say now.
struct DeliveryRerouted: Error {}

/// The short text of a mail; the document itself is the attachment.
enum MailText {
    static func body(_ letter: LetterData, view: [String: Any]) -> String {
        let title = view["title"] as? String ?? ""
        let amount = view["amountToPay"] as? String ?? ""
        let payBy = view["payBy"] as? String ?? ""
        switch letter.language {
        case .swedish:
            return """
                Hej \(letter.debtor.name),

                bifogat finns \(title.lowercased()) för faktura \(letter.invoiceNumber) från \(letter.creditor.name).
                Att betala: \(amount) senast \(payBy), OCR-nummer \(letter.ocr).

                Med vänlig hälsning
                \(letter.creditor.name)
                """
        case .english:
            return """
                Dear \(letter.debtor.name),

                please find attached the \(title.lowercased()) for invoice \(letter.invoiceNumber) from \(letter.creditor.name).
                Amount to pay: \(amount) by \(payBy), reference \(letter.ocr).

                Kind regards,
                \(letter.creditor.name)
                """
        }
    }
}

/// A name made safe for a file or a Message-ID: letters, digits, `-`, `_` and `.` only.
enum FileName {
    static func safe(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil)
                return allowed || "-_.".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
            }
        )
    }
}

extension Duration {
    /// The duration in seconds, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
