/// Splits the claim index in two, so only fair queues pay for a per-key index; see
/// `SQLiteKeyedClaimSchema` for why. Re-creates the claim functions, which key and unkey
/// a queue's queued jobs as the fair and the plain path start.
enum PostgresKeyedClaimSchema {
    static let statements: [String] =
        [
            "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS keyed boolean NOT NULL DEFAULT false",
            "DROP INDEX IF EXISTS conveyor_jobs_claim",
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_claim
                ON conveyor_jobs (queue, priority DESC, run_at, id) WHERE state = 'queued' AND NOT keyed
            """,
            "DROP INDEX IF EXISTS conveyor_jobs_claim_key",
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_claim_key
                ON conveyor_jobs (queue, concurrency_key, priority DESC, run_at, id) WHERE state = 'queued' AND keyed
            """,
        ] + PostgresFairClaim.statements
}
