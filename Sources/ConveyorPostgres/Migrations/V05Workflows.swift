extension PostgresSchema {
    /// Migration 5, `workflows`: workflows and their steps. No trigger on the job table: the
    /// advancer finds ended steps from the jobs' state, so the job hot path is untouched.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V05Workflows {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_workflows (
                id text COLLATE "C" PRIMARY KEY,
                tenant text NOT NULL,
                name text NOT NULL,
                state text NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled')),
                on_failure text NOT NULL,
                created_at timestamptz NOT NULL,
                finished_at timestamptz,
                created_by text
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_workflows_tenant ON conveyor_workflows (tenant, id)",
            // A step's job is created once its dependencies succeeded; until then job_id is NULL
            // and state says pending or cancelled. spec holds the job options.
            """
            CREATE TABLE IF NOT EXISTS conveyor_workflow_steps (
                workflow_id text COLLATE "C" NOT NULL REFERENCES conveyor_workflows (id) ON DELETE CASCADE,
                key text NOT NULL,
                position integer NOT NULL,
                spec jsonb NOT NULL,
                state text,
                job_id text,
                -- The advancer has accounted for the end of the current job.
                settled boolean NOT NULL DEFAULT false,
                PRIMARY KEY (workflow_id, key)
            )
            """,
            // The advancer's look: only steps in flight, so it is empty when nothing runs.
            """
            CREATE INDEX IF NOT EXISTS conveyor_workflow_steps_in_flight ON conveyor_workflow_steps (job_id, workflow_id)
                WHERE job_id IS NOT NULL AND NOT settled
            """,
        ]
    }
}
