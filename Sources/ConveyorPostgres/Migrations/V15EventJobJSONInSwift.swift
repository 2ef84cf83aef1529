extension PostgresSchema {
    /// Migration 15, `event_job_json_in_swift`: a job event's JSON is no longer built in SQL.
    /// `readEvents` decodes the event's snapshot columns and its job's row as one `Job` and
    /// encodes it with the job's `Codable`, the one builder of a job's JSON, so the function
    /// migrations 3, 8, 10 and 14 defined, and the time format only it used, are dropped.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V15EventJobJSONInSwift {
        static let statements: [String] = [
            "DROP FUNCTION IF EXISTS conveyor_event_job_json(conveyor_events, conveyor_jobs)",
            "DROP FUNCTION IF EXISTS conveyor_time(timestamptz)",
        ]
    }
}
