/// The workflow tables, and the trigger that feeds the workflow inbox.
///
/// The trigger is row-level with a `WHEN` clause: PostgreSQL evaluates the clause as the
/// row changes and queues nothing for plain jobs (no `workflow_id`), so the job hot path
/// pays one comparison per row.
enum PostgresWorkflowSchema {
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
            PRIMARY KEY (workflow_id, key)
        )
        """,
        // Step jobs that ended, waiting for the workflow advancer.
        """
        CREATE TABLE IF NOT EXISTS conveyor_workflow_inbox (
            id bigserial PRIMARY KEY,
            workflow_id text NOT NULL,
            job_id text NOT NULL,
            state text NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS conveyor_workflow_inbox_workflow ON conveyor_workflow_inbox (workflow_id, id)",
        """
        CREATE OR REPLACE FUNCTION conveyor_jobs_workflow_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO conveyor_workflow_inbox (workflow_id, job_id, state) VALUES (NEW.workflow_id, NEW.id, NEW.state);
            RETURN NULL;
        END
        $$
        """,
        "DROP TRIGGER IF EXISTS conveyor_jobs_workflow_inbox ON conveyor_jobs",
        """
        CREATE TRIGGER conveyor_jobs_workflow_inbox AFTER UPDATE OF state ON conveyor_jobs
            FOR EACH ROW
            WHEN (NEW.workflow_id IS NOT NULL AND NEW.state <> OLD.state AND NEW.state IN ('succeeded', 'failed', 'cancelled'))
            EXECUTE FUNCTION conveyor_jobs_workflow_inbox()
        """,
    ]
}
