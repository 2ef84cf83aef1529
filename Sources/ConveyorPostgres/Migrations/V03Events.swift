extension PostgresSchema {
    /// Migration 3, `events`: the event log's table, the statement-level triggers that fill it
    /// and `conveyor_event_job_json` without the keys later migrations add (see
    /// ``PostgresEventSchema`` for the design). The ordering lock's key and the snapshot columns
    /// are written out as they were then.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V03Events {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_events (
                id bigserial PRIMARY KEY,
                type text NOT NULL,
                topic text NOT NULL,
                key text NOT NULL,
                tenant text NOT NULL,
                occurred_at timestamptz NOT NULL DEFAULT now(),
                -- The JSON of events that are not about a job; NULL for job events.
                data json,
                -- Job events: the job's changing columns as the change left them.
                state text, attempt integer, run_at timestamptz, started_at timestamptz, finished_at timestamptz,
                lease_owner text, lease_expires_at timestamptz, cancel_requested boolean, metadata jsonb,
                errors jsonb, result jsonb
            )
            """,
            // One row: the largest id the pruner removed, so a reader behind it is told.
            """
            CREATE TABLE IF NOT EXISTS conveyor_events_pruned (
                singleton integer PRIMARY KEY CHECK (singleton = 1),
                through bigint NOT NULL
            )
            """,
            "INSERT INTO conveyor_events_pruned (singleton, through) VALUES (1, 0) ON CONFLICT DO NOTHING",
            """
            CREATE OR REPLACE FUNCTION conveyor_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
                SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            $$
            """,
            // GET /v1/jobs/{id}'s JSON from a job event and its job; times as ConveyorJSON writes them.
            """
            CREATE OR REPLACE FUNCTION conveyor_event_job_json(e conveyor_events, j conveyor_jobs) RETURNS json
            LANGUAGE sql STABLE AS $$
                SELECT json_build_object(
                    'attempt', e.attempt, 'backoff', j.backoff, 'cancel_requested', e.cancel_requested,
                    'created_at', conveyor_time(j.created_at), 'created_by', j.created_by, 'errors', e.errors,
                    'finished_at', conveyor_time(e.finished_at), 'id', j.id, 'idempotency_key', j.idempotency_key,
                    'lease_expires_at', conveyor_time(e.lease_expires_at), 'lease_owner', e.lease_owner,
                    'max_attempts', j.max_attempts, 'metadata', e.metadata, 'payload', j.payload, 'priority', j.priority,
                    'queue', j.queue, 'rerun_of', j.rerun_of, 'result', e.result, 'run_at', conveyor_time(e.run_at),
                    'started_at', conveyor_time(e.started_at), 'state', e.state, 'step', j.step, 'tags', to_json(j.tags),
                    'tenant', j.tenant, 'timeout_seconds', j.timeout_seconds, 'type', j.type, 'workflow_id', j.workflow_id)
            $$
            """,
            // Appends an event that is not about a job, in the caller's transaction.
            """
            CREATE OR REPLACE FUNCTION conveyor_append_event(p_type text, p_topic text, p_key text, p_tenant text, p_data json)
            RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE appended bigint;
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(4996180836614144000 | (
                SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM conveyor_events_id_seq));
                INSERT INTO conveyor_events (type, topic, key, tenant, data)
                VALUES (p_type, p_topic, p_key, p_tenant, p_data) RETURNING id INTO appended;
                RETURN appended;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION conveyor_jobs_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(4996180836614144000 | (
                SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM conveyor_events_id_seq));
                -- A repeated idempotency key inserts no row, so it appends nothing.
                INSERT INTO conveyor_events (type, topic, key, tenant, state, attempt, run_at, started_at, finished_at, lease_owner, lease_expires_at, cancel_requested, metadata, errors, result)
                SELECT 'job.submitted', 'job.submitted', n.id, n.tenant, n.state, n.attempt, n.run_at, n.started_at, n.finished_at, n.lease_owner, n.lease_expires_at, n.cancel_requested, n.metadata, n.errors, n.result
                FROM new_rows n ORDER BY n.id;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION conveyor_jobs_updated_events() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(4996180836614144000 | (
                SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM conveyor_events_id_seq));
                -- Moves into queued or scheduled append nothing (docs/events.md).
                INSERT INTO conveyor_events (type, topic, key, tenant, state, attempt, run_at, started_at, finished_at, lease_owner, lease_expires_at, cancel_requested, metadata, errors, result)
                SELECT t, t, n.id, n.tenant, n.state, n.attempt, n.run_at, n.started_at, n.finished_at, n.lease_owner, n.lease_expires_at, n.cancel_requested, n.metadata, n.errors, n.result
                FROM new_rows n JOIN old_rows o ON o.id = n.id,
                    LATERAL (SELECT CASE n.state WHEN 'running' THEN 'job.started' ELSE 'job.' || n.state END AS t) tt
                WHERE n.state <> o.state AND n.state IN ('running', 'retrying', 'succeeded', 'failed', 'cancelled')
                ORDER BY n.id;
                RETURN NULL;
            END
            $$
            """,
            "DROP TRIGGER IF EXISTS conveyor_jobs_inserted_events ON conveyor_jobs",
            """
            CREATE TRIGGER conveyor_jobs_inserted_events AFTER INSERT ON conveyor_jobs
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION conveyor_jobs_inserted_events()
            """,
            "DROP TRIGGER IF EXISTS conveyor_jobs_updated_events ON conveyor_jobs",
            """
            CREATE TRIGGER conveyor_jobs_updated_events AFTER UPDATE ON conveyor_jobs
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION conveyor_jobs_updated_events()
            """,
        ]
    }
}
