extension PostgresSchema {
    /// Migration 10, `unique`: the unique key on jobs, the two probes an insert with `unique`
    /// makes (partial indexes, so jobs without a key never enter them), and the key in the event
    /// JSON (docs/unique-jobs.md).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V10Unique {
        static let statements: [String] = [
            // Nullable with no default: added without rewriting the table.
            "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS unique_key text",
            // "Is a job with this key in one of these states?"
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_unique_state
                ON conveyor_jobs (tenant, unique_key, state) WHERE unique_key IS NOT NULL
            """,
            // "Was a job with this key created since …?"
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_unique_created
                ON conveyor_jobs (tenant, unique_key, created_at) WHERE unique_key IS NOT NULL
            """,
            // GET /v1/jobs/{id}'s JSON, now with the unique key (migration 8 made it without).
            """
            CREATE OR REPLACE FUNCTION conveyor_event_job_json(e conveyor_events, j conveyor_jobs) RETURNS json
            LANGUAGE sql STABLE AS $$
                SELECT json_build_object(
                    'attempt', e.attempt, 'backoff', j.backoff, 'cancel_requested', e.cancel_requested,
                    'concurrency_key', j.concurrency_key,
                    'created_at', conveyor_time(j.created_at), 'created_by', j.created_by, 'errors', e.errors,
                    'finished_at', conveyor_time(e.finished_at), 'id', j.id, 'idempotency_key', j.idempotency_key,
                    'lease_expires_at', conveyor_time(e.lease_expires_at), 'lease_owner', e.lease_owner,
                    'max_attempts', j.max_attempts, 'metadata', e.metadata, 'payload', j.payload, 'priority', j.priority,
                    'queue', j.queue, 'rerun_of', j.rerun_of, 'result', e.result, 'run_at', conveyor_time(e.run_at),
                    'started_at', conveyor_time(e.started_at), 'state', e.state, 'step', j.step, 'tags', to_json(j.tags),
                    'tenant', j.tenant, 'timeout_seconds', j.timeout_seconds, 'type', j.type, 'unique_key', j.unique_key,
                    'workflow_id', j.workflow_id)
            $$
            """,
        ]
    }
}
