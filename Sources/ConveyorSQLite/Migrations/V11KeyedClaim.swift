extension SQLiteSchema {
    /// `v11-keyed-claim`: splits the claim index in two, so only fair queues pay for a per-key
    /// index.
    ///
    /// A queued job is in exactly one of them: `jobs_claim` (plain order) while `keyed = 0`,
    /// `jobs_claim_key` (by concurrency key) while `keyed = 1`. Jobs are inserted unkeyed;
    /// the fair claim keys its queue's queued jobs as it starts, the plain claim unkeys them,
    /// so a queue moving between the two paths loses no job. With many distinct keys the
    /// per-key index is written at scattered places, which cost plain queues about 30% of
    /// their throughput when every job was in it (docs/flow-control.md).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V11KeyedClaim {
        static let identifier = "v11-keyed-claim"
        static let statements: [String] = [
            """
            ALTER TABLE jobs ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
            DROP INDEX jobs_claim;
            CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at, id) WHERE state = 'queued' AND keyed = 0;
            DROP INDEX jobs_claim_key;
            CREATE INDEX jobs_claim_key ON jobs (queue, concurrency_key, priority DESC, run_at, id)
                WHERE state = 'queued' AND keyed = 1;
            """,
        ]
    }
}
