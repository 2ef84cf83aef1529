extension SQLiteSchema {
    /// `v3-events`: the event log's table and the pruner's mark. Job events are appended by the
    /// store's statements, not triggers (see `SQLiteEventSchema` for the design).
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V03Events {
        static let identifier = "v3-events"
        static let statements: [String] = [
            // No AUTOINCREMENT: it writes sqlite_sequence with every event. Ids are still never
            // reused, because the pruner always keeps the newest event (see pruneEvents), so a
            // reader's position stays meaningful forever.
            // Flush left, byte for byte as shipped: the snapshot columns were spliced in from a
            // second literal, which left two of their lines unindented, and SQLite keeps a
            // CREATE TABLE's text as written.
            """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    tenant TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    -- The JSON of events that are not about a job; NULL for job events.
    data TEXT,
    -- Job events: the job's changing columns as the change left them.
    state TEXT, attempt INTEGER, run_at INTEGER, started_at INTEGER, finished_at INTEGER,
lease_owner TEXT, lease_expires_at INTEGER, cancel_requested INTEGER, metadata TEXT,
errors TEXT, result TEXT
);
-- One row: the largest id the pruner removed, so a reader behind it is told.
CREATE TABLE events_pruned (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    through INTEGER NOT NULL
);
INSERT INTO events_pruned (singleton, through) VALUES (1, 0);
""",
        ]
    }
}
