extension SQLiteSchema {
    /// `v5-workflows`: workflows and their steps. No trigger on the job table: the advancer
    /// finds ended steps from the jobs' state, so the job hot path is untouched.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V05Workflows {
        static let identifier = "v5-workflows"
        static let statements: [String] = [
            """
            CREATE TABLE workflows (
                id TEXT PRIMARY KEY NOT NULL,
                tenant TEXT NOT NULL,
                name TEXT NOT NULL,
                state TEXT NOT NULL,
                on_failure TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                finished_at INTEGER,
                created_by TEXT
            ) WITHOUT ROWID;
            CREATE INDEX workflows_tenant ON workflows (tenant, id);

            -- A step's job is created once its dependencies succeeded; until then job_id is
            -- NULL and state says pending or cancelled. spec holds the job options as JSON.
            -- settled: the advancer has accounted for the end of the current job.
            CREATE TABLE workflow_steps (
                workflow_id TEXT NOT NULL,
                key TEXT NOT NULL,
                position INTEGER NOT NULL,
                spec TEXT NOT NULL,
                state TEXT,
                job_id TEXT,
                settled INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (workflow_id, key)
            ) WITHOUT ROWID;
            -- The advancer's look: only steps in flight, so it is empty when nothing runs.
            CREATE INDEX workflow_steps_in_flight ON workflow_steps (job_id, workflow_id)
                WHERE job_id IS NOT NULL AND settled = 0;
            """,
        ]
    }
}
