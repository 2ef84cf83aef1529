extension SQLiteSchema {
    /// `v10-unique`: the key a job was enqueued with, and the two probes an insert with `unique`
    /// makes (docs/unique-jobs.md). Both indexes are partial, so jobs without a key, the usual
    /// ones, never enter them and cost nothing more to insert or move between states.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V10Unique {
        static let identifier = "v10-unique"
        static let statements: [String] = [
            """
            ALTER TABLE jobs ADD COLUMN unique_key TEXT;
            -- "Is a job with this key in one of these states?"
            CREATE INDEX jobs_unique_state ON jobs (tenant, unique_key, state) WHERE unique_key IS NOT NULL;
            -- "Was a job with this key created since …?"
            CREATE INDEX jobs_unique_created ON jobs (tenant, unique_key, created_at) WHERE unique_key IS NOT NULL;
            """,
        ]
    }
}
