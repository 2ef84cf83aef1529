import GRDB

/// The `secrets` migration: named secrets per tenant, and Conveyor's own keys under
/// reserved names (docs/security.md, "Secrets and signing").
enum SQLiteSecretSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE secrets (
                    tenant TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (tenant, name)
                ) WITHOUT ROWID
                """)
    }
}
