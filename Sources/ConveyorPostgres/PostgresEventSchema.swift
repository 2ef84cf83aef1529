/// The event log's table, the triggers that fill it, and the lock that lets readers see
/// it in a safe order.
///
/// Triggers, not statements in each write: every change of a job's state, through any
/// statement present or future, appends its event inside the same statement, so the log
/// cannot miss a change or record one that rolled back. They are statement-level with
/// transition tables: a claim or a completion batch of a thousand jobs runs each trigger
/// once, as one `INSERT … SELECT`, and the event JSON is built by the server from the
/// new rows, with no read-back.
///
/// **Ordering.** A sequence hands out ids in call order, not commit order: a transaction
/// holding id 6 may commit after another committed id 7, and a reader that went past 7
/// would skip 6 for good. So each appending transaction first takes a shared advisory
/// lock keyed by the sequence's current value (``lockMarker`` in the top bits), held to
/// its end: the key is the next id the sequence would hand out, so every id the
/// transaction then draws is at least the key. A reader reads the sequence,
/// then the smallest such key among transactions still running, and only then the
/// events, at most up to just below that key (``PostgresJobStore/readEvents(_:)``).
/// Shared locks never wait on each other, so writers do not serialize.
enum PostgresEventSchema {
    /// "EV" in the top 16 bits of an advisory-lock key; the low 48 bits hold a sequence value.
    static let lockMarker: Int64 = 0x4556 << 48
    static let lockMarkerHigh16: Int64 = 0x4556

    /// Takes the ordering lock; run before the transaction draws event ids. Taken by every
    /// update of a job, heartbeats included: a shared lock costs little, and a statement
    /// that appends nothing still holds readers back only until it commits.
    private static let takeOrderingLock = """
        PERFORM pg_advisory_xact_lock_shared(\(lockMarker) | (
            SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM conveyor_events_id_seq));
        """

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS conveyor_events (
            id bigserial PRIMARY KEY,
            type text NOT NULL,
            topic text NOT NULL,
            key text NOT NULL,
            tenant text NOT NULL,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            data json NOT NULL
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
        // GET /v1/jobs/{id}'s JSON from a row; times as ConveyorJSON writes them.
        """
        CREATE OR REPLACE FUNCTION conveyor_job_json(j conveyor_jobs) RETURNS json LANGUAGE sql STABLE AS $$
            SELECT json_build_object(
                'attempt', j.attempt, 'backoff', j.backoff, 'cancel_requested', j.cancel_requested,
                'created_at', conveyor_time(j.created_at), 'created_by', j.created_by, 'errors', j.errors,
                'finished_at', conveyor_time(j.finished_at), 'id', j.id, 'idempotency_key', j.idempotency_key,
                'lease_expires_at', conveyor_time(j.lease_expires_at), 'lease_owner', j.lease_owner,
                'max_attempts', j.max_attempts, 'metadata', j.metadata, 'payload', j.payload, 'priority', j.priority,
                'queue', j.queue, 'rerun_of', j.rerun_of, 'result', j.result, 'run_at', conveyor_time(j.run_at),
                'started_at', conveyor_time(j.started_at), 'state', j.state, 'step', j.step, 'tags', to_json(j.tags),
                'tenant', j.tenant, 'timeout_seconds', j.timeout_seconds, 'type', j.type, 'workflow_id', j.workflow_id)
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION conveyor_jobs_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(takeOrderingLock)
            -- A repeated idempotency key inserts no row, so it appends nothing.
            INSERT INTO conveyor_events (type, topic, key, tenant, data)
            SELECT 'job.submitted', 'job.submitted', n.id, n.tenant, conveyor_job_json(n)
            FROM new_rows n ORDER BY n.id;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION conveyor_jobs_updated_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(takeOrderingLock)
            -- Moves into queued or scheduled append nothing (docs/events.md).
            INSERT INTO conveyor_events (type, topic, key, tenant, data)
            SELECT CASE n.state WHEN 'running' THEN 'job.started' ELSE 'job.' || n.state END,
                CASE n.state WHEN 'running' THEN 'job.started' ELSE 'job.' || n.state END,
                n.id, n.tenant, conveyor_job_json(n)
            FROM new_rows n JOIN old_rows o ON o.id = n.id
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
