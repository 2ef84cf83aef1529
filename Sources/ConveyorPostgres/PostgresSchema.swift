import Logging
import PostgresNIO

/// Versioned migrations of the PostgreSQL schema. Add a migration; never edit a shipped one:
/// a database that ran it keeps what it made, so a changed text would leave fresh and
/// upgraded databases with different schemas.
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

    /// Every migration, in order. Each one's text lives in `Migrations/`, one frozen file per
    /// migration: MigrationTests pins a hash of each, and checks that a database upgraded
    /// one step at a time ends with the same schema as one migrated at once.
    static let migrations: [Migration] = [
        Migration(version: 1, name: "jobs", statements: V01Jobs.statements),
        Migration(version: 2, name: "jobs-created-by", statements: V02JobsCreatedBy.statements),
        Migration(version: 3, name: "events", statements: V03Events.statements),
        Migration(version: 4, name: "event_bus", statements: V04EventBus.statements),
        Migration(version: 5, name: "workflows", statements: V05Workflows.statements),
        Migration(version: 6, name: "webhooks", statements: V06Webhooks.statements),
        Migration(version: 7, name: "inbound", statements: V07Inbound.statements),
        Migration(version: 8, name: "flow_control", statements: V08FlowControl.statements),
        Migration(version: 9, name: "schedules", statements: V09Schedules.statements),
        Migration(version: 10, name: "unique", statements: V10Unique.statements),
        Migration(version: 11, name: "keyed_claim", statements: V11KeyedClaim.statements),
        Migration(version: 12, name: "secrets", statements: V12Secrets.statements),
        Migration(version: 13, name: "schedules_by_tenant", statements: V13SchedulesByTenant.statements),
        Migration(version: 14, name: "scoped_concurrency_keys", statements: V14ScopedConcurrencyKeys.statements),
        Migration(version: 15, name: "claim_skips_empty_unkey", statements: V15ClaimSkipsEmptyUnkey.statements),
        Migration(version: 16, name: "remote_workers", statements: V16RemoteWorkers.statements),
    ]

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Applies the pending migrations in one transaction under ``migrationLock``: a second
    /// node waits for the first to commit, then finds nothing left to do. `upTo` stops after
    /// that version (the tests' step-by-step upgrade).
    static func migrate(_ client: PostgresClient, upTo lastVersion: Int = .max, logger: Logger) async throws {
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
            for migration in migrations.sorted(by: { $0.version < $1.version })
            where migration.version <= lastVersion && !applied.contains(migration.version) {
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

extension PostgresJobStore {
    /// Applies the migrations up to `version` only, as a database last migrated by an older
    /// Conveyor has them: the tests upgrade one step at a time with it.
    func migrate(upTo version: Int) async throws {
        try await PostgresSchema.migrate(client, upTo: version, logger: logger)
    }
}
