extension PostgresSchema {
    /// Migration 7, `inbound`: inbound webhook sources configured through the API.
    /// `definition` is the source as JSON, secret included: verifying an HMAC needs the secret.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V07Inbound {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_inbound_sources (
                name text PRIMARY KEY,
                definition json NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """
        ]
    }
}
