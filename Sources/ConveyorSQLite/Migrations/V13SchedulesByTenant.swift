extension SQLiteSchema {
    /// `v13-schedules-by-tenant`: schedule ids are per tenant. The key becomes `(tenant, id)`, so
    /// two tenants may each have a `nightly-report` and neither learns of the other's. SQLite
    /// cannot change a primary key in place: the table is rebuilt.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V13SchedulesByTenant {
        static let identifier = "v13-schedules-by-tenant"
        static let statements: [String] = [
            """
            CREATE TABLE schedules_by_tenant (
                tenant TEXT NOT NULL,
                id TEXT NOT NULL,
                cron TEXT NOT NULL,
                timezone TEXT NOT NULL,
                job TEXT NOT NULL,
                overlap TEXT NOT NULL,
                misfire TEXT NOT NULL,
                paused INTEGER NOT NULL DEFAULT 0,
                source TEXT NOT NULL,
                next_run_at INTEGER,
                last_fired_at INTEGER,
                last_job_id TEXT,
                last_outcome TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                created_by TEXT,
                PRIMARY KEY (tenant, id)
            ) WITHOUT ROWID;
            INSERT INTO schedules_by_tenant (
                tenant, id, cron, timezone, job, overlap, misfire, paused, source, next_run_at, last_fired_at, last_job_id,
                last_outcome, created_at, updated_at, created_by)
            SELECT tenant, id, cron, timezone, job, overlap, misfire, paused, source, next_run_at, last_fired_at, last_job_id,
                last_outcome, created_at, updated_at, created_by
            FROM schedules;
            DROP TABLE schedules;
            ALTER TABLE schedules_by_tenant RENAME TO schedules;
            -- The primary key serves a tenant's listing; the scheduler's scan is as before.
            CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0 AND next_run_at IS NOT NULL;
            """,
        ]
    }
}
