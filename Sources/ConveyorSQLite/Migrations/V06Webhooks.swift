extension SQLiteSchema {
    /// `v6-webhooks`: outbound endpoints, deliveries (one per endpoint and event) with their
    /// attempts, and the dispatcher's cursor.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V06Webhooks {
        static let identifier = "v6-webhooks"
        static let statements: [String] = [
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY NOT NULL,
                tenant TEXT NOT NULL,
                url TEXT NOT NULL,
                events TEXT NOT NULL,
                description TEXT NOT NULL,
                secret TEXT NOT NULL,
                previous_secret TEXT,
                previous_secret_expires_at INTEGER,
                ordered INTEGER NOT NULL,
                max_concurrency INTEGER NOT NULL,
                enabled INTEGER NOT NULL,
                disabled_reason TEXT,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                start_after INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                created_by TEXT
            ) WITHOUT ROWID;
            CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant, created_at);

            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY NOT NULL,
                endpoint_id TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                event_type TEXT NOT NULL,
                tenant TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL,
                tries INTEGER NOT NULL DEFAULT 0,
                attempt_count INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER,
                lease_owner TEXT,
                lease_expires_at INTEGER,
                attempts TEXT NOT NULL DEFAULT '[]',
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (endpoint_id, event_id)
            ) WITHOUT ROWID;
            -- The sender's scan sees only pending deliveries.
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, event_id) WHERE state = 'pending';

            -- One row: the last event id the dispatcher has made deliveries for. It starts
            -- at the head, so a new deployment does not deliver history.
            CREATE TABLE webhook_dispatch (id INTEGER PRIMARY KEY CHECK (id = 1), cursor INTEGER NOT NULL);
            INSERT INTO webhook_dispatch (id, cursor) VALUES (1, COALESCE((SELECT MAX(id) FROM events), 0));
            """,
        ]
    }
}
