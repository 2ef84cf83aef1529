-- Schema for pgbench's job cycle (bench/pg_job_cycle.sql): a table shaped like a job queue,
-- with the claim index. Run once on a throwaway database by bench/compare.sh.
CREATE TABLE jobs (
    id text PRIMARY KEY,
    queue text NOT NULL,
    state text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    payload jsonb NOT NULL,
    run_at timestamptz NOT NULL,
    lease_owner text,
    lease_expires_at timestamptz
);
CREATE INDEX jobs_claim ON jobs (queue, state, priority, run_at);
