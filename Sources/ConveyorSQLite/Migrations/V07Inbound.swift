extension SQLiteSchema {
    /// `v7-inbound`: inbound webhook sources configured through the API. `definition` is the
    /// source as JSON, secret included: verifying an HMAC needs the secret itself.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V07Inbound {
        static let identifier = "v7-inbound"
        static let statements: [String] = [
            """
            CREATE TABLE inbound_sources (
                name TEXT PRIMARY KEY NOT NULL,
                definition TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """,
        ]
    }
}
