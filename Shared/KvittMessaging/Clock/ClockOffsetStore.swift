import GRDB

/// The business clock's offset, kept in the service's own database so that a restarted service comes back at the
/// date the others are at, never earlier than the dates it has already stored.
enum ClockOffsetStore {
    static func load(_ db: Database) throws -> Duration {
        try createTable(db)
        return .seconds(try Int64.fetchOne(db, sql: "SELECT offset_seconds FROM kvitt_clock WHERE id = 1") ?? 0)
    }

    /// Needs ``load(_:)`` first in the database's life (the host loads at start-up).
    static func save(_ offset: Duration, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO kvitt_clock (id, offset_seconds) VALUES (1, ?)
                ON CONFLICT(id) DO UPDATE SET offset_seconds = MAX(offset_seconds, excluded.offset_seconds)
                """,
            arguments: [offset.components.seconds]
        )
    }

    /// Created on first use: only services with clock control ever have the table.
    private static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS kvitt_clock (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    offset_seconds INTEGER NOT NULL
                )
                """
        )
    }
}
