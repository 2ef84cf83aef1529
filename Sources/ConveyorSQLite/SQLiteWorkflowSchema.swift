import GRDB

/// The workflow tables, and the trigger that feeds the workflow inbox.
enum SQLiteWorkflowSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
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
                CREATE TABLE workflow_steps (
                    workflow_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    spec TEXT NOT NULL,
                    state TEXT,
                    job_id TEXT,
                    PRIMARY KEY (workflow_id, key)
                ) WITHOUT ROWID;

                -- Step jobs that ended, waiting for the workflow advancer.
                CREATE TABLE workflow_inbox (
                    id INTEGER PRIMARY KEY,
                    workflow_id TEXT NOT NULL,
                    job_id TEXT NOT NULL,
                    state TEXT NOT NULL
                );
                CREATE INDEX workflow_inbox_workflow ON workflow_inbox (workflow_id, id);

                -- In the same transaction as the job's change, whatever made it. The WHEN clause
                -- keeps plain jobs (no workflow_id) at the cost of one comparison.
                CREATE TRIGGER jobs_workflow_inbox AFTER UPDATE OF state ON jobs
                WHEN NEW.workflow_id IS NOT NULL AND NEW.state <> OLD.state
                    AND NEW.state IN ('succeeded', 'failed', 'cancelled')
                BEGIN
                    INSERT INTO workflow_inbox (workflow_id, job_id, state) VALUES (NEW.workflow_id, NEW.id, NEW.state);
                END;
                """)
    }
}
