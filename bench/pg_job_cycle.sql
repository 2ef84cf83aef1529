-- pgbench script: one job's whole life in one transaction, PostgreSQL's per-job commit limit.
-- Insert a job, claim the best queued job with FOR UPDATE SKIP LOCKED (as many clients claim
-- at once), mark it succeeded. Run by bench/compare.sh:
--   pgbench -n -M prepared -c 8 -j 2 -T 10 -f bench/pg_job_cycle.sql URL
-- -M prepared: pgbench then passes :claimed as a parameter (simple mode pastes it in unquoted).
BEGIN;
INSERT INTO jobs (id, queue, state, priority, payload, run_at)
    VALUES (gen_random_uuid()::text, 'default', 'queued', 0, '{}', now());
WITH next AS (
    SELECT id FROM jobs
    WHERE queue = 'default' AND state = 'queued' AND run_at <= now()
    ORDER BY priority DESC, run_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET state = 'running', lease_owner = 'bench', lease_expires_at = now() + interval '30 seconds'
    FROM next WHERE jobs.id = next.id
    RETURNING jobs.id AS claimed \gset
UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL WHERE id = :claimed;
END;
