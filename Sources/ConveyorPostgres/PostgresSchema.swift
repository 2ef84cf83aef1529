import Logging
import PostgresNIO

/// Versioned migrations of the PostgreSQL schema. Add a migration; never edit a shipped one.
///
/// Each migration is a list of single statements (the extended query protocol runs one
/// statement per query), written to be harmless if run twice.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// Serialises `migrate()` across every node sharing the database. The bytes spell
    /// "conveyor"; a transaction-scoped lock is released by COMMIT or by a dropped
    /// connection, so a node that dies mid-migration cannot wedge the others.
    static let migrationLock: Int64 = 0x636F_6E76_6579_6F72

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "jobs",
            statements: [
                // Times are timestamptz (whole milliseconds in practice), JSON is jsonb. The id is
                // a UUIDv7 string under the C collation: ordering and `id < cursor` then compare
                // bytes, as SQLite does, whatever the database's default collation.
                // fillfactor leaves room on each page so an updated row version can stay on its
                // page; heartbeats and cancel flags touch no indexed column, so those updates are
                // HOT and write no index at all. The table churns, so autovacuum runs early.
                """
                CREATE TABLE IF NOT EXISTS conveyor_jobs (
                    id text COLLATE "C" PRIMARY KEY,
                    type text NOT NULL,
                    queue text NOT NULL,
                    state text NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
                    priority integer NOT NULL DEFAULT 0,
                    payload jsonb NOT NULL,
                    run_at timestamptz NOT NULL,
                    attempt integer NOT NULL DEFAULT 0,
                    max_attempts integer NOT NULL,
                    backoff jsonb NOT NULL,
                    timeout_seconds double precision,
                    idempotency_key text,
                    tags text[] NOT NULL DEFAULT '{}',
                    tenant text NOT NULL,
                    metadata jsonb NOT NULL DEFAULT '{}',
                    errors jsonb NOT NULL DEFAULT '[]',
                    result jsonb,
                    created_at timestamptz NOT NULL,
                    started_at timestamptz,
                    finished_at timestamptz,
                    lease_owner text,
                    lease_expires_at timestamptz,
                    cancel_requested boolean NOT NULL DEFAULT false,
                    workflow_id text,
                    step text,
                    rerun_of text
                ) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)
                """,
                // Claiming walks this index in claim order and never sees other states.
                """
                CREATE INDEX IF NOT EXISTS conveyor_jobs_claim
                    ON conveyor_jobs (queue, priority DESC, run_at, id) WHERE state = 'queued'
                """,
                // The stager's scan. Immediate jobs never enter it.
                """
                CREATE INDEX IF NOT EXISTS conveyor_jobs_waiting
                    ON conveyor_jobs (run_at) WHERE state IN ('scheduled', 'retrying')
                """,
                """
                CREATE UNIQUE INDEX IF NOT EXISTS conveyor_jobs_idempotency
                    ON conveyor_jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL
                """,
                // Queue counts, listing by state, and the lease reaper's look at running jobs.
                // One index, not one per use: each is rewritten on every state change, and that
                // is the hot path. No index holds lease_expires_at, so heartbeats stay HOT; the
                // reaper filters the running jobs this index finds. The pruner walks the primary
                // key instead: ids are time-ordered, so old jobs sort first.
                """
                CREATE INDEX IF NOT EXISTS conveyor_jobs_state_queue ON conveyor_jobs (state, queue, id)
                """,
            ]),
        Migration(
            version: 2, name: "jobs-created-by",
            statements: [
                // Nullable with no default: PostgreSQL adds it without rewriting the table, and
                // jobs enqueued before auth have no creator.
                "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS created_by text"
            ]),
        Migration(version: 3, name: "events", statements: PostgresEventSchema.statements),
        Migration(version: 4, name: "event_bus", statements: PostgresEventBusSchema.statements),
        Migration(version: 5, name: "workflows", statements: PostgresWorkflowSchema.statements),
        Migration(version: 6, name: "webhooks", statements: PostgresWebhookSchema.statements),
        Migration(version: 7, name: "inbound", statements: PostgresInboundSchema.statements),
        Migration(version: 8, name: "flow_control", statements: PostgresFlowControlSchema.statements + PostgresFairClaim.statements),
        Migration(version: 9, name: "schedules", statements: PostgresScheduleSchema.statements),
        Migration(version: 10, name: "unique", statements: PostgresUniqueSchema.statements),
        Migration(version: 11, name: "keyed_claim", statements: PostgresKeyedClaimSchema.statements),
        Migration(version: 12, name: "secrets", statements: PostgresSecretSchema.statements),
        Migration(version: 13, name: "schedules_by_tenant", statements: PostgresScheduleTenantSchema.statements),
        Migration(version: 14, name: "scoped_concurrency_keys", statements: PostgresScopedKeySchema.statements),
    ]

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Applies the pending migrations in one transaction under ``migrationLock``: a second
    /// node waits for the first to commit, then finds nothing left to do.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.readCommittedTransaction(logger: logger) { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.rows(
                """
                CREATE TABLE IF NOT EXISTS conveyor_migrations (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: Set<Int> = []
            for row in try await connection.rows("SELECT version FROM conveyor_migrations", logger: logger) {
                applied.insert(try row.decode(Int.self))
            }
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.rows(
                    "INSERT INTO conveyor_migrations (version) VALUES (\(migration.version))", logger: logger)
                logger.info(
                    "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    /// True when every known migration is recorded as applied.
    static func isCurrent(_ client: PostgresClient, logger: Logger) async throws -> Bool {
        let versions = migrations.map(\.version)
        let rows = try await client.rows(
            "SELECT count(*) FROM conveyor_migrations WHERE version = ANY(\(versions))", logger: logger)
        return try rows.first?.decode(Int.self) == versions.count
    }
}
