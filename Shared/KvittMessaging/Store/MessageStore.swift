import Foundation
import GRDB

/// A service's SQLite database (WAL, through GRDB) with the inbox and outbox tables and the service's own schema.
///
/// Migrations run when the store opens: Kvitt's own first, then the service's, in registration order.
public final class MessageStore: Sendable {
    /// The database; handlers write through ``HandlerContext/db`` instead.
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Parameter migrations: registers the service's own migrations.
    public init(path: String, migrations: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = URL(fileURLWithPath: path).lastPathComponent
        // SQLite's default page cache (2 MiB) is smaller than one bank file's transaction, which then spills pages
        // into the WAL and reads them back; the cache fills only as far as it is used. The writer only: readers keep
        // the default. Reads go through a memory map (writes still go through write calls), which spares a system
        // call per page of a large table: with a million open receivables that was most of what a lookup cost more
        // than with ten thousand. The price is SQLite's: a disk error while reading the map ends the process (SIGBUS)
        // instead of failing the transaction, and the service restarts into redelivery.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -32768") }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool sets synchronous=NORMAL on open; an acked message must survive power loss, so use FULL.
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        writer = pool
        try Self.migrate(writer, migrations: migrations)
    }

    /// Wraps an existing database (an in-memory queue in unit tests) and migrates it.
    public init(writer: any DatabaseWriter, migrations: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        self.writer = writer
        try Self.migrate(writer, migrations: migrations)
    }

    private static func migrate(_ writer: any DatabaseWriter, migrations: (inout DatabaseMigrator) -> Void) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("kvitt-messaging-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE kvitt_inbox (
                        message_id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        processed_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE kvitt_outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        correlation_id TEXT,
                        causation_id TEXT,
                        app_id TEXT,
                        created_at REAL NOT NULL,
                        body BLOB NOT NULL,
                        status TEXT NOT NULL,
                        sent_at REAL,
                        failure TEXT
                    );
                    CREATE INDEX kvitt_outbox_pending ON kvitt_outbox(status, id);
                    """
            )
        }
        migrator.registerMigration("kvitt-messaging-2") { db in
            // A row may carry a bundle of messages of one type (MessageBundle).
            try db.execute(sql: "ALTER TABLE kvitt_outbox ADD COLUMN message_count INTEGER NOT NULL DEFAULT 1")
        }
        migrator.registerMigration("kvitt-messaging-3") { db in
            // What the processed message was, beyond its id: a message that reuses an id is told from a redelivery.
            try db.execute(sql: "ALTER TABLE kvitt_inbox ADD COLUMN body_fingerprint INTEGER")
        }
        migrator.registerMigration("kvitt-messaging-4") { db in
            // The retention sweeper finds old rows by age.
            try db.execute(sql: "CREATE INDEX kvitt_inbox_processed_at ON kvitt_inbox(processed_at)")
        }
        migrator.registerMigration("kvitt-messaging-5") { db in
            // The W3C trace context of the span that wrote the row, sent with it when it is published.
            try db.execute(sql: "ALTER TABLE kvitt_outbox ADD COLUMN trace_parent TEXT")
            try db.execute(sql: "ALTER TABLE kvitt_outbox ADD COLUMN trace_state TEXT")
        }
        migrations(&migrator)
        try migrator.migrate(writer)
    }

    /// Whether the inbox holds a message id (it was processed).
    public func inboxContains(_ messageID: String) async throws -> Bool {
        try await writer.read { db in try Self.inboxContains(messageID, db) }
    }

    /// The outbox rows waiting to be published.
    public func outboxBacklog() async throws -> Int {
        try await writer.read { db in try Outbox.backlog(db) }
    }

    static func inboxContains(_ messageID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM kvitt_inbox WHERE message_id = ?)"),
            arguments: [messageID]
        ) ?? false
    }

    /// What the inbox knows of a processed message.
    struct InboxEntry: Sendable {
        let type: String
        /// `nil` for rows written before fingerprints were kept.
        let fingerprint: Int64?
        let processedAt: Date
    }

    static func inboxEntry(_ messageID: String, _ db: Database) throws -> InboxEntry? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT type, body_fingerprint, processed_at FROM kvitt_inbox WHERE message_id = ?"
                ),
                arguments: [messageID]
            )
        else { return nil }
        return InboxEntry(
            type: row[0],
            fingerprint: row[1],
            processedAt: Date(timeIntervalSince1970: row[2])
        )
    }

    static func recordInInbox(
        _ messageID: String,
        type: String,
        fingerprint: Int64? = nil,
        at now: Date,
        _ db: Database
    ) throws {
        try db.cachedStatement(
            sql: "INSERT INTO kvitt_inbox (message_id, type, processed_at, body_fingerprint) VALUES (?, ?, ?, ?)"
        )
        .execute(arguments: [messageID, type, now.timeIntervalSince1970, fingerprint])
    }
}
