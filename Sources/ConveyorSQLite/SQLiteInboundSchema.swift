import GRDB

/// Inbound webhook sources configured through the API. `definition` is the source as
/// JSON, secret included: verifying an HMAC needs the secret itself.
enum SQLiteInboundSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE inbound_sources (
                    name TEXT PRIMARY KEY NOT NULL,
                    definition TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
    }
}
