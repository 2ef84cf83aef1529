extension SQLiteSchema {
    /// `v8-flow-control`: the concurrency key on jobs, queue settings, per-key state (rate-limit
    /// buckets, handler-signalled pauses) and circuit breakers (docs/flow-control.md).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V08FlowControl {
        static let identifier = "v8-flow-control"
        static let statements: [String] = [
            """
            ALTER TABLE jobs ADD COLUMN concurrency_key TEXT NOT NULL DEFAULT '';
            UPDATE jobs SET concurrency_key = tenant;
            -- The fair claim walks the keys that have queued jobs through this index, and
            -- takes each key's most urgent jobs from it.
            CREATE INDEX jobs_claim_key ON jobs (queue, concurrency_key, priority DESC, run_at, id)
                WHERE state = 'queued';

            -- A queue without a row, or with a row of nulls, claims by the plain path.
            -- `tokens`/`tokens_at` are the queue's rate bucket; `cursor` is the last key
            -- the round robin served.
            CREATE TABLE queue_settings (
                queue TEXT PRIMARY KEY NOT NULL,
                paused INTEGER NOT NULL DEFAULT 0,
                fair INTEGER NOT NULL DEFAULT 0,
                concurrency_limit INTEGER,
                key_concurrency_limit INTEGER,
                rate_count INTEGER,
                rate_period_ms INTEGER,
                key_rate_count INTEGER,
                key_rate_period_ms INTEGER,
                tokens REAL,
                tokens_at INTEGER,
                cursor TEXT,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            -- Per key of a queue: its rate bucket and a pause a handler asked for.
            CREATE TABLE queue_keys (
                queue TEXT NOT NULL,
                key TEXT NOT NULL,
                tokens REAL,
                tokens_at INTEGER,
                paused_until INTEGER,
                PRIMARY KEY (queue, key)
            ) WITHOUT ROWID;
            CREATE INDEX queue_keys_paused ON queue_keys (queue, paused_until) WHERE paused_until IS NOT NULL;

            -- One breaker per job type and key. Rows exist once a tracked job failed.
            CREATE TABLE circuits (
                type TEXT NOT NULL,
                key TEXT NOT NULL,
                queue TEXT NOT NULL,
                tenant TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'closed',
                failures INTEGER NOT NULL DEFAULT 0,
                threshold INTEGER NOT NULL,
                cooldown_ms INTEGER NOT NULL,
                opened_at INTEGER,
                retry_at INTEGER,
                probe_job_id TEXT,
                last_error TEXT,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (type, key)
            ) WITHOUT ROWID;
            CREATE INDEX circuits_tripped ON circuits (queue) WHERE state <> 'closed';
            """,
        ]
    }
}
