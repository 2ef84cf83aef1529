/// Cron schedules: the definition and the firing record (migration 9).
enum PostgresScheduleSchema {
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
