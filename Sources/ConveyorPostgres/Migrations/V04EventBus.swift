extension PostgresSchema {
    /// Migration 4, `event_bus`: topic schemas, publish keys, consumer groups, dead letters and
    /// triggers.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V04EventBus {
        static let statements: [String] = [
            """
            CREATE TABLE IF NOT EXISTS conveyor_topic_schemas (
                topic text PRIMARY KEY,
                schema json NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            // A publish's idempotency key, kept while its event is: keys of pruned events are
            // deleted by the next keyed publish.
            """
            CREATE TABLE IF NOT EXISTS conveyor_event_keys (
                tenant text NOT NULL,
                key text NOT NULL,
                event_id bigint NOT NULL,
                PRIMARY KEY (tenant, key)
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_event_keys_event ON conveyor_event_keys (event_id)",
            // One row per durable consumer group: its cursor and its lease. `fence` grows
            // whenever another consumer takes the lease; writes carry it.
            """
            CREATE TABLE IF NOT EXISTS conveyor_consumer_groups (
                name text PRIMARY KEY,
                topic text NOT NULL,
                tenant text,
                cursor bigint NOT NULL,
                lease_owner text,
                lease_expires_at timestamptz,
                fence bigint NOT NULL DEFAULT 0,
                gap_after bigint,
                gap_through bigint,
                gap_at timestamptz,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            // A copy of the event (json keeps its bytes), so a dead letter outlives retention.
            """
            CREATE TABLE IF NOT EXISTS conveyor_dead_letters (
                id bigserial PRIMARY KEY,
                group_name text NOT NULL,
                event_id bigint NOT NULL,
                event json NOT NULL,
                attempts integer NOT NULL,
                error text NOT NULL,
                state text NOT NULL CHECK (state IN ('dead', 'replaying')),
                failed_at timestamptz NOT NULL,
                replay_requested_at timestamptz
            )
            """,
            "CREATE INDEX IF NOT EXISTS conveyor_dead_letters_group ON conveyor_dead_letters (group_name, state, id)",
            """
            CREATE TABLE IF NOT EXISTS conveyor_event_triggers (
                id text PRIMARY KEY,
                tenant text NOT NULL,
                topic text NOT NULL,
                job json NOT NULL,
                source text NOT NULL,
                created_at timestamptz NOT NULL,
                created_by text
            )
            """,
        ]
    }
}
