import Foundation
import GRDB

/// The replay ledger: who replayed which message, when, from which service, and how it went.
///
/// Kept in a SQLite file (the `KVITT_AUDIT_PATH` setting, default `./kvitt-audit.sqlite`) so that `kvitt dead-letters history`
/// answers without the broker.
struct ReplayAudit: Sendable {
    let writer: any DatabaseWriter

    struct Entry: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "replay"
        var id: Int64?
        var at: Date
        var who: String
        var messageID: String
        var service: String
        var type: String
        var reason: String
        var outcome: String
        /// For an edited replay: the original message it corrects.
        var original: String?
    }

    init() throws {
        try self.init(path: try CLISettings.configuration().text(.auditPath))
    }

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("audit-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE replay (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, who TEXT NOT NULL,
                        messageID TEXT NOT NULL, service TEXT NOT NULL, type TEXT NOT NULL, reason TEXT NOT NULL,
                        outcome TEXT NOT NULL, original TEXT
                    )
                    """
            )
        }
        try migrator.migrate(queue)
        writer = queue
    }

    /// `KVITT_OPERATOR`, else the login name.
    static var who: String {
        // The configuration was read before any replay; were it unreadable, the replay would have stopped there.
        (try? CLISettings.configuration().optionalText(.operatorName)) ?? ProcessInfo.processInfo.environment["USER"]
            ?? "unknown"
    }

    func record(_ entries: [Entry]) throws {
        try writer.write { db in for entry in entries { try entry.insert(db) } }
    }

    func history(limit: Int) throws -> [Entry] {
        try writer.read { db in
            try Entry.fetchAll(db, sql: "SELECT * FROM replay ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }
}
