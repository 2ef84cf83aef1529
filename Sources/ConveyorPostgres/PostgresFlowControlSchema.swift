/// Flow control: the concurrency key on jobs, queue settings, per-key state (rate-limit
/// buckets, handler-signalled pauses) and circuit breakers. See docs/flow-control.md.
/// The fair claim itself is ``PostgresFairClaim``.
enum PostgresFlowControlSchema {
    static let statements: [String] = [
        // The C collation, like ids: the round robin walks keys in byte order, as SQLite does.
        "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS concurrency_key text COLLATE \"C\"",
        "UPDATE conveyor_jobs SET concurrency_key = tenant WHERE concurrency_key IS NULL",
        "ALTER TABLE conveyor_jobs ALTER COLUMN concurrency_key SET NOT NULL",
        """
        CREATE INDEX IF NOT EXISTS conveyor_jobs_claim_key
            ON conveyor_jobs (queue, concurrency_key, priority DESC, run_at, id) WHERE state = 'queued'
        """,
        """
        CREATE TABLE IF NOT EXISTS conveyor_queue_settings (
            queue text PRIMARY KEY,
            paused boolean NOT NULL DEFAULT false,
            fair boolean NOT NULL DEFAULT false,
            concurrency_limit integer,
            key_concurrency_limit integer,
            rate_count integer,
            rate_period_ms bigint,
            key_rate_count integer,
            key_rate_period_ms bigint,
            tokens double precision,
            tokens_at timestamptz,
            cursor text COLLATE "C",
            updated_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS conveyor_queue_keys (
            queue text NOT NULL,
            key text COLLATE "C" NOT NULL,
            tokens double precision,
            tokens_at timestamptz,
            paused_until timestamptz,
            PRIMARY KEY (queue, key)
        )
        """,
        """
        CREATE INDEX IF NOT EXISTS conveyor_queue_keys_paused
            ON conveyor_queue_keys (queue, paused_until) WHERE paused_until IS NOT NULL
        """,
        """
        CREATE TABLE IF NOT EXISTS conveyor_circuits (
            type text NOT NULL,
            key text COLLATE "C" NOT NULL,
            queue text NOT NULL,
            tenant text NOT NULL,
            state text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
            failures integer NOT NULL DEFAULT 0,
            threshold integer NOT NULL,
            cooldown_ms bigint NOT NULL,
            opened_at timestamptz,
            retry_at timestamptz,
            probe_job_id text,
            last_error text,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (type, key)
        )
        """,
        "CREATE INDEX IF NOT EXISTS conveyor_circuits_tripped ON conveyor_circuits (queue) WHERE state <> 'closed'",
        // GET /v1/jobs/{id}'s JSON, now with the concurrency key (migration 3 made it without).
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
                'tenant', j.tenant, 'timeout_seconds', j.timeout_seconds, 'type', j.type, 'workflow_id', j.workflow_id)
        $$
        """,
    ]
}
