extension PostgresSchema {
    /// Migration 12, `secrets`: named secrets per tenant, and Conveyor's own keys under reserved
    /// names (docs/security.md, "Secrets and signing").
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V12Secrets {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_secrets (
                tenant text COLLATE "C" NOT NULL,
                name text COLLATE "C" NOT NULL,
                value text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (tenant, name)
            )
            """
        ]
    }
}
