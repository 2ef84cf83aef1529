/// Unique jobs (docs/unique-jobs.md): the key a job was enqueued with, the two probes an
/// insert with `unique` makes, and the key in the event JSON. The indexes are partial, so
/// jobs without a key, the usual ones, never enter them and cost nothing more to insert
/// or move between states. Concurrent inserts of one key are serialised by a
/// transaction-scoped advisory lock on the key (``PostgresJobStore`` `+Unique`).
enum PostgresUniqueSchema {
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
