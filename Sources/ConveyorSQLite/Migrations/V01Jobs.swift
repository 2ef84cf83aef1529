extension SQLiteSchema {
    /// `v1-jobs`: the job table and its claim, stage, idempotency and state indexes. Times are
    /// Unix milliseconds; JSON columns hold text so the sqlite3 shell shows them.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V01Jobs {
        static let identifier = "v1-jobs"
        static let statements: [String] = [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY NOT NULL,
                type TEXT NOT NULL,
                queue TEXT NOT NULL,
                state TEXT NOT NULL,
                priority INTEGER NOT NULL DEFAULT 0,
                payload TEXT NOT NULL,
                run_at INTEGER NOT NULL,
                attempt INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                backoff TEXT NOT NULL,
                timeout_seconds REAL,
                idempotency_key TEXT,
                tags TEXT NOT NULL DEFAULT '[]',
                tenant TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                errors TEXT NOT NULL DEFAULT '[]',
                result TEXT,
                created_at INTEGER NOT NULL,
                started_at INTEGER,
                finished_at INTEGER,
                lease_owner TEXT,
                lease_expires_at INTEGER,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                workflow_id TEXT,
                step TEXT,
                rerun_of TEXT
            ) WITHOUT ROWID;

            -- Claiming walks this index in claim order and never sees other states.
            CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at, id) WHERE state = 'queued';
            -- The stager's scan. Immediate jobs never enter it.
            CREATE INDEX jobs_waiting ON jobs (run_at) WHERE state IN ('scheduled', 'retrying');
            CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
            -- Queue counts, listing by state, and the lease reaper's look at running jobs.
            -- One index, not one per use: each is rewritten on every state change, and
            -- that is the hot path. The pruner walks the primary key instead: ids are
            -- time-ordered, so old jobs sort first.
            CREATE INDEX jobs_state_queue ON jobs (state, queue, id);
            """,
        ]
    }
}
