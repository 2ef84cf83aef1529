import GRDB

/// Unique jobs (docs/unique-jobs.md): the key a job was enqueued with, and the two probes
/// an insert with `unique` makes. Both indexes are partial, so jobs without a key, the
/// usual ones, never enter them and cost nothing more to insert or move between states.
enum SQLiteUniqueSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE jobs ADD COLUMN unique_key TEXT;
                -- "Is a job with this key in one of these states?"
                CREATE INDEX jobs_unique_state ON jobs (tenant, unique_key, state) WHERE unique_key IS NOT NULL;
                -- "Was a job with this key created since …?"
                CREATE INDEX jobs_unique_created ON jobs (tenant, unique_key, created_at) WHERE unique_key IS NOT NULL;
                """)
    }
}
