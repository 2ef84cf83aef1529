extension SQLiteSchema {
    /// `v4-event-bus`: topic schemas, publish idempotency keys, consumer groups with their
    /// leases, dead letters and triggers.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V04EventBus {
        static let identifier = "v4-event-bus"
        static let statements: [String] = [
            """
            CREATE TABLE topic_schemas (
                topic TEXT PRIMARY KEY NOT NULL,
                schema TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            -- A publish's idempotency key, kept while its event is: keys of pruned
            -- events are deleted by the next keyed publish (event_keys_event).
            CREATE TABLE event_keys (
                tenant TEXT NOT NULL,
                key TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                PRIMARY KEY (tenant, key)
            ) WITHOUT ROWID;
            CREATE INDEX event_keys_event ON event_keys (event_id);

            -- One row per durable consumer group: its cursor and its lease. `fence`
            -- grows whenever another consumer takes the lease; writes carry it.
            CREATE TABLE consumer_groups (
                name TEXT PRIMARY KEY NOT NULL,
                topic TEXT NOT NULL,
                tenant TEXT,
                cursor INTEGER NOT NULL,
                lease_owner TEXT,
                lease_expires_at INTEGER,
                fence INTEGER NOT NULL DEFAULT 0,
                gap_after INTEGER,
                gap_through INTEGER,
                gap_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            -- A copy of the event, so a dead letter outlives the log's retention.
            CREATE TABLE dead_letters (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                group_name TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                event TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                error TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('dead', 'replaying')),
                failed_at INTEGER NOT NULL,
                replay_requested_at INTEGER
            );
            CREATE INDEX dead_letters_group ON dead_letters (group_name, state, id);

            CREATE TABLE event_triggers (
                id TEXT PRIMARY KEY NOT NULL,
                tenant TEXT NOT NULL,
                topic TEXT NOT NULL,
                job TEXT NOT NULL,
                source TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT
            ) WITHOUT ROWID;
            """,
        ]
    }
}
