extension SQLiteSchema {
    /// `v15-remote-workers`: the registry of remote workers, and the job types declared for
    /// them (docs/workers.md).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V15RemoteWorkers {
        static let identifier = "v15-remote-workers"
        static let statements: [String] = [
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY NOT NULL,
                tenant TEXT NOT NULL,
                name TEXT NOT NULL,
                host TEXT,
                sdk TEXT,
                queues TEXT NOT NULL,
                labels TEXT NOT NULL,
                state TEXT NOT NULL,
                secret TEXT NOT NULL,
                lease_seconds REAL NOT NULL,
                heartbeat_interval_seconds REAL NOT NULL,
                running INTEGER NOT NULL DEFAULT 0,
                started_at INTEGER NOT NULL,
                last_heartbeat_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX workers_tenant ON workers (tenant, started_at);

            CREATE TABLE job_types (
                type TEXT PRIMARY KEY NOT NULL,
                defaults TEXT NOT NULL,
                payload_schema TEXT,
                declared_by TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """,
        ]
    }
}
