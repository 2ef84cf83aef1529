extension PostgresSchema {
    /// Migration 6, `webhooks`: outbound endpoints, deliveries (one per endpoint and event) with
    /// their attempts, and the dispatcher's cursor.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V06Webhooks {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_webhook_endpoints (
                id text PRIMARY KEY,
                tenant text NOT NULL,
                url text NOT NULL,
                events jsonb NOT NULL,
                description text NOT NULL,
                secret text NOT NULL,
                previous_secret text,
                previous_secret_expires_at timestamptz,
                ordered boolean NOT NULL,
                max_concurrency integer NOT NULL,
                enabled boolean NOT NULL,
                disabled_reason text,
                consecutive_failures integer NOT NULL DEFAULT 0,
                start_after bigint NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                created_by text
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_webhook_endpoints_tenant ON conveyor_webhook_endpoints (tenant, created_at)",
            """
            CREATE TABLE IF NOT EXISTS conveyor_webhook_deliveries (
                id text PRIMARY KEY,
                endpoint_id text NOT NULL,
                event_id bigint NOT NULL,
                event_type text NOT NULL,
                tenant text NOT NULL,
                body text NOT NULL,
                state text NOT NULL,
                tries integer NOT NULL DEFAULT 0,
                attempt_count integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz,
                lease_owner text,
                lease_expires_at timestamptz,
                attempts jsonb NOT NULL DEFAULT '[]',
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                UNIQUE (endpoint_id, event_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_webhook_deliveries_due ON conveyor_webhook_deliveries (endpoint_id, event_id) WHERE state = 'pending'",
            """
            CREATE TABLE IF NOT EXISTS conveyor_webhook_dispatch (
                id integer PRIMARY KEY CHECK (id = 1),
                cursor bigint NOT NULL
            )
            """,
            """
            INSERT INTO conveyor_webhook_dispatch (id, cursor)
            VALUES (1, COALESCE((SELECT max(id) FROM conveyor_events), 0)) ON CONFLICT (id) DO NOTHING
            """,
        ]
    }
}
