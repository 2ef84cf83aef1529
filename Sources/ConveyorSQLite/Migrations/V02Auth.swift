extension SQLiteSchema {
    /// `v2-auth`: who created each job, tenants and API keys, and the default tenant.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V02Auth {
        static let identifier = "v2-auth"
        static let statements: [String] = [
            // Nullable, so existing rows need no value: jobs enqueued before auth have no creator.
            "ALTER TABLE jobs ADD COLUMN created_by TEXT",
            """
            -- Limits are a JSON object so new limits need no migration.
            CREATE TABLE tenants (
                id TEXT PRIMARY KEY NOT NULL,
                limits TEXT NOT NULL DEFAULT '{}',
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            -- Only the SHA-256 of a key is kept; requests find their key by it.
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                tenant TEXT NOT NULL,
                scopes TEXT NOT NULL,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                revoked_at INTEGER,
                last_used_at INTEGER
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
            CREATE INDEX api_keys_tenant ON api_keys (tenant, id);
            """,
            // Every deployment has the default tenant, so keys can be made for it at once.
            // Shipped with `Tenant.defaultID` and the clock bound from Swift: the same row.
            """
            INSERT INTO tenants (id, limits, created_at, updated_at)
            VALUES ('default', '{}', CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER),
                CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER))
            """,
        ]
    }
}
