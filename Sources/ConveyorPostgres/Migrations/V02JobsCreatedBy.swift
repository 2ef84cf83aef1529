extension PostgresSchema {
    /// Migration 2, `jobs-created-by`: who enqueued each job.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V02JobsCreatedBy {
        static let statements: [String] = [
            // Nullable with no default: PostgreSQL adds it without rewriting the table, and
            // jobs enqueued before auth have no creator.
            "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS created_by text",
        ]
    }
}
