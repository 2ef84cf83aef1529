/// The event log's table, the triggers that fill it, and the lock that lets readers see
/// it in a safe order.
///
/// Triggers, not statements in each write: every change of a job's state, through any
/// statement present or future, appends its event inside the same statement, so the log
/// cannot miss a change or record one that rolled back. They are statement-level with
/// transition tables: a claim or a completion batch of a thousand jobs runs each trigger
/// once, as one `INSERT … SELECT`.
///
/// **Compact job events.** A job event copies only the columns that change over a job's
/// life; a read takes the rest from the job's row and builds the JSON then
/// (`conveyor_event_job_json`). Writers are the hot path, readers are few and batch.
/// Other events (custom, workflow) carry their JSON in `data`, appended through
/// `conveyor_append_event`, which takes the ordering lock first.
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

    /// The job columns an event snapshots; the rest are read from the job's row.
    static let snapshotColumns = [
        "state", "attempt", "run_at", "started_at", "finished_at", "lease_owner", "lease_expires_at",
        "cancel_requested", "metadata", "errors", "result",
    ]
    private static let snapshotList = snapshotColumns.joined(separator: ", ")
    private static let newSnapshot = snapshotColumns.map { "n.\($0)" }.joined(separator: ", ")

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
            \(takeOrderingLock)
            INSERT INTO conveyor_events (type, topic, key, tenant, data)
            VALUES (p_type, p_topic, p_key, p_tenant, p_data) RETURNING id INTO appended;
            RETURN appended;
        END
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION conveyor_jobs_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(takeOrderingLock)
            -- A repeated idempotency key inserts no row, so it appends nothing.
            INSERT INTO conveyor_events (type, topic, key, tenant, \(snapshotList))
            SELECT 'job.submitted', 'job.submitted', n.id, n.tenant, \(newSnapshot)
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
            INSERT INTO conveyor_events (type, topic, key, tenant, \(snapshotList))
            SELECT t, t, n.id, n.tenant, \(newSnapshot)
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
