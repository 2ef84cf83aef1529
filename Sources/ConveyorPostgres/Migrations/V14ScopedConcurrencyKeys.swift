extension PostgresSchema {
    /// Migration 14, `scoped_concurrency_keys`: concurrency keys scoped to their tenant
    /// (ConveyorCore's `ConcurrencyKey`). Keys jobs named before move into their tenant's scope,
    /// and the event JSON shows a key as its tenant gave it.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V14ScopedConcurrencyKeys {
        static let statements: [String] = [
            """
            UPDATE conveyor_jobs SET concurrency_key = tenant || chr(31) || concurrency_key
            WHERE concurrency_key <> tenant AND strpos(concurrency_key, chr(31)) = 0
            """,
            """
            UPDATE conveyor_circuits SET key = tenant || chr(31) || key
            WHERE key <> tenant AND strpos(key, chr(31)) = 0
            """,
            // GET /v1/jobs/{id}'s JSON, as migration 10 made it, with the key's tenant prefix stripped.
            """
            CREATE OR REPLACE FUNCTION conveyor_event_job_json(e conveyor_events, j conveyor_jobs) RETURNS json
            LANGUAGE sql STABLE AS $$
                SELECT json_build_object(
                    'attempt', e.attempt, 'backoff', j.backoff, 'cancel_requested', e.cancel_requested,
                    'concurrency_key', substr(j.concurrency_key, strpos(j.concurrency_key, chr(31)) + 1),
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
