import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// `kvitt dead-letters …`: the operator's tools for parked messages.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List, show, replay and purge dead-lettered messages.",
        subcommands: [List.self, Show.self, Replay.self, Edit.self, Purge.self, History.self]
    )

    struct Selection: ParsableArguments {
        @Option(help: "Only this service's dead-letter queue.")
        var service: String?
        @Option(help: "Only messages parked with this reason (e.g. undecodable-body).")
        var reason: String?
        @Option(help: "Only messages of this wire name.")
        var type: String?
        @Option(help: "Only messages that failed at or after this instant (RFC 3339).")
        var since: String?

        func filter(ids: [String] = []) throws -> DeadLetterFilter {
            var since: Date?
            if let text = self.since {
                guard let date = try? Date(text, strategy: .iso8601) else { throw CLIError("--since must be RFC 3339") }
                since = date
            }
            return DeadLetterFilter(ids: Set(ids), reason: reason, type: type, since: since)
        }

        func operations(_ broker: BrokerOptions) async throws -> DeadLetterOperations {
            let (client, publisher) = try await broker.connect()
            let wanted = service.map { [$0] } ?? DeadLetterOperations.knownServices
            let services = await DeadLetterOperations.existing(wanted, client: client)
            if let service, services.isEmpty {
                throw CLIError("no dead-letter queue '\(service).dead-letter' on the broker")
            }
            var operations = DeadLetterOperations(client: client, publisher: publisher, services: services)
            operations.routes = try broker.deadLetterRoutes
            return operations
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of parked messages.")
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Option(help: "At most this many per service.") var limit = 1000
        @Flag(help: "JSON lines instead of a table.") var json = false

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await selection.operations(broker)
                let letters = try await operations.list(filter: try selection.filter(), limit: limit)
                if json {
                    for letter in letters { print(try CLI.jsonLine(letter)) }
                } else {
                    print(
                        CLI.table(
                            ["ID", "SERVICE", "TYPE", "REASON", "DETAIL", "FAILED AT", "RETRIES", "REPLAYS"],
                            letters.map {
                                [
                                    $0.id, $0.service, $0.typeShown, $0.reasonShown, String($0.detail.prefix(60)),
                                    $0.failedAt,
                                    "\($0.retryCount)", "\($0.replayCount)",
                                ]
                            }
                        )
                    )
                    print("\(letters.count) dead letter(s)")
                }
                await operations.client.stop()
                await operations.publisher.stop()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "All headers and the pretty-printed body of one message."
        )
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Argument(help: "The message id.") var id: String

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await selection.operations(broker)
                defer {
                    Task {
                        await operations.client.stop(); await operations.publisher.stop()
                    }
                }
                guard let letter = try await operations.list(filter: try selection.filter(ids: [id])).first else {
                    throw CLIError("no dead letter with id \(id)")
                }
                let properties = letter.delivery.properties
                print("id:             \(letter.id)")
                print("service:        \(letter.service)")
                print("type:           \(letter.type)")
                print("correlation id: \(properties.correlationID ?? "-")")
                print("app id:         \(properties.appID ?? "-")")
                print("timestamp:      \(properties.timestamp.map { $0.ISO8601Format() } ?? "-")")
                print("headers:")
                for (key, value) in letter.headers.sorted(by: { $0.key < $1.key }) { print("  \(key): \(value)") }
                let bundled = letter.bundled
                guard !bundled.isEmpty else {
                    print("body:")
                    print(CLI.prettyJSON(letter.delivery.body))
                    return
                }
                // A bundle the broker parked whole: each message in it, as the service would handle it.
                print("bundle of \(bundled.count) messages (replay sends them all; the inbox skips what was handled):")
                for message in bundled {
                    print("message \(message.properties.messageID ?? "-"):")
                    print(CLI.prettyJSON(message.body))
                }
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Republish parked messages to the failed service's own queue (same message id: the inbox makes it idempotent)."
        )
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Option(name: .customLong("id"), help: "A message id to replay (repeatable).") var ids: [String] = []
        @Flag(help: "Replay every message that the filters select.") var all = false
        @Flag(help: "Only say what would be replayed.") var dryRun = false
        @Option(help: "At most this many messages per second.") var rate: Int?

        func validate() throws {
            guard all || !ids.isEmpty else { throw ValidationError("give --id ID (one or more) or --all") }
        }

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await selection.operations(broker)
                let audit = try ReplayAudit()
                let terminal = isatty(STDOUT_FILENO) == 1
                let outcome = try await operations.replay(
                    filter: try selection.filter(ids: ids),
                    dryRun: dryRun,
                    rate: rate
                ) {
                    done,
                    total in
                    if terminal { CLI.progress(done, total) }
                }
                if terminal && !outcome.replayed.isEmpty { print("") }
                if dryRun {
                    for letter in outcome.replayed {
                        print("would replay \(letter.id) (\(letter.type)) to \(letter.failedService)")
                    }
                    print("dry run: \(outcome.replayed.count) message(s) would be replayed")
                } else {
                    let now = Date()
                    try audit.record(
                        outcome.replayed.map { CLI.auditEntry($0, at: now, outcome: "replayed") }
                            + outcome.stillParked.map {
                                CLI.auditEntry($0.0, at: now, outcome: "replayed, original still parked: \($0.1)")
                            }
                            + outcome.failed.map { CLI.auditEntry($0.0, at: now, outcome: "failed: \($0.1)") }
                    )
                    for (letter, error) in outcome.failed { print("could not replay \(letter.id): \(error)") }
                    for (letter, problem) in outcome.stillParked {
                        print("replayed \(letter.id), but its original is still parked: \(problem)")
                    }
                    print(
                        "replayed \(outcome.replayed.count), failed \(outcome.failed.count)"
                            + (outcome.stillParked.isEmpty
                                ? "" : ", replayed but still parked \(outcome.stillParked.count)")
                    )
                }
                await operations.client.stop()
                await operations.publisher.stop()
                if !outcome.failed.isEmpty || !outcome.stillParked.isEmpty { throw ExitCode(1) }
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Replay a corrected body as a new message that references the original; the original stays parked, marked as corrected, and replay --all passes it over."
        )
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Argument(help: "The parked message's id.") var id: String
        @Option(help: "The corrected JSON body (default: open $EDITOR on the current body).") var patch: String?

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await selection.operations(broker)
                guard let letter = try await operations.list(filter: try selection.filter(ids: [id])).first else {
                    throw CLIError("no dead letter with id \(id)")
                }
                let body =
                    try patch.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) } ?? Self.editInEditor(letter)
                let (message, newID) = try DeadLetterOperations.correction(
                    of: letter,
                    body: body,
                    routes: operations.routes
                )
                try await operations.publisher.publish(message)
                // The original stays for audit, marked, so that replay --all does not apply it a second time.
                try await operations.markCorrected(letter.id == id ? letter.id : id, by: newID)
                try ReplayAudit().record([
                    CLI.auditEntry(letter, at: Date(), outcome: "corrected as \(newID)", original: letter.id)
                ])
                print(
                    "published the corrected \(letter.type) as \(newID) to \(letter.failedService); the original stays parked, marked as corrected"
                )
                await operations.client.stop()
                await operations.publisher.stop()
            }
        }

        /// Writes the body to a file in a new private temporary directory, opens `$EDITOR` on it, reads it back, and
        /// removes the directory whatever happened: the body can carry personal data, and a copy must not outlive the
        /// command whether the edit succeeds, the editor is aborted or anything fails (``EditorSession``).
        /// - Parameters:
        ///   - editor: the editor command, run by `/bin/sh` with the file's path as its argument.
        ///   - temporaryDirectory: where the private directory is made (`TMPDIR`, else `/tmp`).
        static func editInEditor(
            _ letter: DeadLetter,
            editor: String? = ProcessInfo.processInfo.environment["EDITOR"],
            temporaryDirectory: URL = FileManager.default.temporaryDirectory
        ) throws -> [UInt8] {
            guard let editor, !editor.isEmpty else {
                throw CLIError("set EDITOR or give --patch FILE")
            }
            let session = try EditorSession(in: temporaryDirectory, fileName: "kvitt-\(letter.id).json")
            defer { session.remove() }
            try Data(CLI.prettyJSON(letter.delivery.body).utf8).write(to: session.file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(editor) \"$0\"", session.file.path]
            let status = try session.whileEditing {
                try process.run()
                process.waitUntilExit()
                return process.terminationStatus
            }
            guard status == 0 else {
                throw CLIError("the editor exited with \(status); nothing was published")
            }
            return try Array(Data(contentsOf: session.file))
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete parked messages for good.")
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var selection: Selection
        @Option(name: .customLong("id"), help: "A message id to purge (repeatable).") var ids: [String] = []
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            try await CLI.reportingErrors {
                let operations = try await selection.operations(broker)
                let filter = try selection.filter(ids: ids)
                let count = try await operations.list(filter: filter).count
                if !yes {
                    guard isatty(STDIN_FILENO) == 1 else {
                        throw CLIError("\(count) message(s) selected; add --yes to purge")
                    }
                    print("purge \(count) dead letter(s)? type yes: ", terminator: "")
                    guard readLine() == "yes" else { throw CLIError("nothing purged") }
                }
                let purged = try await operations.purge(filter: filter)
                print("purged \(purged.count) dead letter(s)")
                await operations.client.stop()
                await operations.publisher.stop()
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The replay ledger: who replayed what, when, and how it went."
        )
        @Option(help: "At most this many entries, newest first.") var limit = 100

        func run() async throws {
            try await CLI.reportingErrors {
                let entries = try ReplayAudit().history(limit: limit)
                print(
                    CLI.table(
                        ["AT", "WHO", "ID", "SERVICE", "TYPE", "REASON", "OUTCOME"],
                        entries.map {
                            [$0.at.ISO8601Format(), $0.who, $0.messageID, $0.service, $0.type, $0.reason, $0.outcome]
                        }
                    )
                )
            }
        }
    }
}
