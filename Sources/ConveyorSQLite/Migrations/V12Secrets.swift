extension SQLiteSchema {
    /// `v12-secrets`: named secrets per tenant, and Conveyor's own keys under reserved names
    /// (docs/security.md, "Secrets and signing").
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V12Secrets {
        static let identifier = "v12-secrets"
        static let statements: [String] = [
            """
            CREATE TABLE secrets (
                tenant TEXT NOT NULL,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (tenant, name)
            ) WITHOUT ROWID
            """,
        ]
    }
}
