extension PostgresSchema {
    /// Migration 1, `jobs`: the job table and its claim, stage, idempotency and state indexes.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V01Jobs {
        static let statements: [String] = [
            // Times are timestamptz (whole milliseconds in practice), JSON is jsonb. The id is
            // a UUIDv7 string under the C collation: ordering and `id < cursor` then compare
            // bytes, as SQLite does, whatever the database's default collation.
            // fillfactor leaves room on each page so an updated row version can stay on its
            // page; heartbeats and cancel flags touch no indexed column, so those updates are
            // HOT and write no index at all. The table churns, so autovacuum runs early.
            """
            CREATE TABLE IF NOT EXISTS conveyor_jobs (
                id text COLLATE "C" PRIMARY KEY,
                type text NOT NULL,
                queue text NOT NULL,
                state text NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
                priority integer NOT NULL DEFAULT 0,
                payload jsonb NOT NULL,
                run_at timestamptz NOT NULL,
                attempt integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                backoff jsonb NOT NULL,
                timeout_seconds double precision,
                idempotency_key text,
                tags text[] NOT NULL DEFAULT '{}',
                tenant text NOT NULL,
                metadata jsonb NOT NULL DEFAULT '{}',
                errors jsonb NOT NULL DEFAULT '[]',
                result jsonb,
                created_at timestamptz NOT NULL,
                started_at timestamptz,
                finished_at timestamptz,
                lease_owner text,
                lease_expires_at timestamptz,
                cancel_requested boolean NOT NULL DEFAULT false,
                workflow_id text,
                step text,
                rerun_of text
            ) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)
            """,
            // Claiming walks this index in claim order and never sees other states.
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_claim
                ON conveyor_jobs (queue, priority DESC, run_at, id) WHERE state = 'queued'
            """,
            // The stager's scan. Immediate jobs never enter it.
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_waiting
                ON conveyor_jobs (run_at) WHERE state IN ('scheduled', 'retrying')
            """,
            """
            CREATE UNIQUE INDEX IF NOT EXISTS conveyor_jobs_idempotency
                ON conveyor_jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL
            """,
            // Queue counts, listing by state, and the lease reaper's look at running jobs.
            // One index, not one per use: each is rewritten on every state change, and that
            // is the hot path. No index holds lease_expires_at, so heartbeats stay HOT; the
            // reaper filters the running jobs this index finds. The pruner walks the primary
            // key instead: ids are time-ordered, so old jobs sort first.
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_state_queue ON conveyor_jobs (state, queue, id)
            """,
        ]
    }
}
