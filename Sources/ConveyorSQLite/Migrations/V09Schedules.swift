extension SQLiteSchema {
    /// `v9-schedules`: cron schedules, their definition and firing record.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V09Schedules {
        static let identifier = "v9-schedules"
        static let statements: [String] = [
            """
            CREATE TABLE schedules (
                id TEXT PRIMARY KEY NOT NULL,
                tenant TEXT NOT NULL,
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
                created_by TEXT
            ) WITHOUT ROWID;
            CREATE INDEX schedules_tenant ON schedules (tenant, id);
            -- The scheduler's scan sees only schedules that can fire.
            CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0 AND next_run_at IS NOT NULL;
            """,
        ]
    }
}
