extension PostgresSchema {
    /// Migration 9, `schedules`: cron schedules, their definition and firing record.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V09Schedules {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_schedules (
                id text PRIMARY KEY,
                tenant text NOT NULL,
                cron text NOT NULL,
                timezone text NOT NULL,
                job jsonb NOT NULL,
                overlap text NOT NULL,
                misfire text NOT NULL,
                paused boolean NOT NULL DEFAULT false,
                source text NOT NULL,
                next_run_at timestamptz,
                last_fired_at timestamptz,
                last_job_id text,
                last_outcome text,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                created_by text
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_schedules_tenant ON conveyor_schedules (tenant, id)",
            // The scheduler's scan sees only schedules that can fire.
            """
            CREATE INDEX IF NOT EXISTS conveyor_schedules_due ON conveyor_schedules (next_run_at)
                WHERE NOT paused AND next_run_at IS NOT NULL
            """,
        ]
    }
}
