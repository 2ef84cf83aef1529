extension PostgresSchema {
    /// Migration 15, `claim_skips_empty_unkey`: `conveyor_claim` as migration 11 made it,
    /// except that the plain path looks for keyed jobs before it unkeys them. The `UPDATE`
    /// it ran on every claim changed no row nearly always, yet still fired the statement-level
    /// job-event trigger (an advisory lock and an insert from two empty transition tables):
    /// about a tenth of a worker's steady-state cycle (docs/performance.md). This is today's
    /// definition of `conveyor_claim`; `conveyor_fair_pick` is still migration 11's.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V15ClaimSkipsEmptyUnkey {
        static let statements: [String] = [
            """
            CREATE OR REPLACE FUNCTION conveyor_claim(p_queue text, p_limit integer, p_owner text, p_lease timestamptz,
                p_now timestamptz)
            RETURNS TABLE (id text, type text, queue text, payload jsonb, attempt integer, max_attempts integer,
                backoff jsonb, timeout_seconds double precision, tenant text, run_at timestamptz, created_at timestamptz,
                priority integer, concurrency_key text)
            LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
                s conveyor_queue_settings%ROWTYPE;
                ids text[];
            BEGIN
                SELECT * INTO s FROM conveyor_queue_settings q WHERE q.queue = p_queue;
                IF NOT COALESCE(s.paused OR s.fair OR s.concurrency_limit IS NOT NULL OR s.key_concurrency_limit IS NOT NULL
                        OR s.rate_count IS NOT NULL OR s.key_rate_count IS NOT NULL, false)
                    AND NOT EXISTS (SELECT 1 FROM conveyor_circuits c WHERE c.queue = p_queue AND c.state <> 'closed')
                    AND NOT EXISTS (SELECT 1 FROM conveyor_queue_keys k WHERE k.queue = p_queue AND k.paused_until > p_now)
                THEN
                    -- Jobs a fair claim keyed go back to plain order; none, nearly always. Looked
                    -- for first: an UPDATE of no rows still fires the job-event trigger.
                    IF EXISTS (SELECT 1 FROM conveyor_jobs k WHERE k.state = 'queued' AND k.queue = p_queue AND k.keyed) THEN
                        UPDATE conveyor_jobs k SET keyed = false WHERE k.state = 'queued' AND k.queue = p_queue AND k.keyed;
                    END IF;
                    RETURN QUERY
                    UPDATE conveyor_jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = p_owner,
                        lease_expires_at = p_lease, started_at = p_now, cancel_requested = false
                    WHERE j.id IN (
                        SELECT x.id FROM conveyor_jobs x WHERE x.state = 'queued' AND NOT x.keyed AND x.queue = p_queue
                        ORDER BY x.priority DESC, x.run_at, x.id LIMIT p_limit
                        FOR UPDATE SKIP LOCKED)
                    RETURNING j.id, j.type, j.queue, j.payload, j.attempt, j.max_attempts, j.backoff, j.timeout_seconds,
                        j.tenant, j.run_at, j.created_at, j.priority, j.concurrency_key::text;
                    RETURN;
                END IF;
                ids := conveyor_fair_pick(p_queue, p_limit, p_now);
                IF cardinality(ids) = 0 THEN
                    RETURN;
                END IF;
                RETURN QUERY
                UPDATE conveyor_jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = p_owner,
                    lease_expires_at = p_lease, started_at = p_now, cancel_requested = false
                WHERE j.id = ANY(ids) AND j.state = 'queued'
                RETURNING j.id, j.type, j.queue, j.payload, j.attempt, j.max_attempts, j.backoff, j.timeout_seconds,
                    j.tenant, j.run_at, j.created_at, j.priority, j.concurrency_key::text;
            END
            $$
            """,
        ]
    }
}
