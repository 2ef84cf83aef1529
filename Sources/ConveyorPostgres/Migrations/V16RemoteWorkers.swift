extension PostgresSchema {
    /// Migration 16, `remote_workers`: the registry of remote workers, and the job types
    /// declared for them (docs/workers.md).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V16RemoteWorkers {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_workers (
                id text COLLATE "C" PRIMARY KEY,
                tenant text COLLATE "C" NOT NULL,
                name text NOT NULL,
                host text,
                sdk text,
                queues jsonb NOT NULL,
                labels jsonb NOT NULL,
                state text NOT NULL,
                secret text NOT NULL,
                lease_seconds double precision NOT NULL,
                heartbeat_interval_seconds double precision NOT NULL,
                running integer NOT NULL DEFAULT 0,
                started_at timestamptz NOT NULL,
                last_heartbeat_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_workers_tenant ON conveyor_workers (tenant, started_at)",
            """
            CREATE TABLE IF NOT EXISTS conveyor_job_types (
                type text COLLATE "C" PRIMARY KEY,
                defaults jsonb NOT NULL,
                payload_schema jsonb,
                declared_by text NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
        ]
    }
}
