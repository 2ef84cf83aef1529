import ConveyorCore
import Foundation
import Logging
import PostgresNIO

/// The credential tables: tenants and API keys.
///
/// Kept apart from ``PostgresSchema``'s numbered migrations: every statement is
/// idempotent and runs on each ``PostgresCredentialStore/prepareCredentials()``, under
/// the same advisory lock, so it needs no version of its own and cannot collide with a
/// job-table migration added meanwhile.
enum PostgresCredentialSchema {
    static let statements: [String] = [
        // Limits are jsonb so new limits need no migration.
        """
        CREATE TABLE IF NOT EXISTS conveyor_tenants (
            id text COLLATE "C" PRIMARY KEY,
            limits jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        // Only the SHA-256 of a key is kept; requests find their key by it.
        """
        CREATE TABLE IF NOT EXISTS conveyor_api_keys (
            id text COLLATE "C" PRIMARY KEY,
            name text NOT NULL,
            tenant text NOT NULL,
            scopes text[] NOT NULL,
            prefix text COLLATE "C" NOT NULL,
            hash text NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz,
            revoked_at timestamptz,
            last_used_at timestamptz
        )
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS conveyor_api_keys_hash ON conveyor_api_keys (hash)",
        "CREATE INDEX IF NOT EXISTS conveyor_api_keys_tenant ON conveyor_api_keys (tenant, id)",
    ]

    static func prepare(_ client: PostgresClient, logger: Logger) async throws {
        try await client.readCommittedTransaction(logger: logger) { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            for statement in statements {
                try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            // Every deployment has the default tenant, so keys can be made for it at once.
            let now = PostgresTimestamp(Date())
            try await connection.rows(
                """
                INSERT INTO conveyor_tenants (id, limits, created_at, updated_at)
                VALUES (\(Tenant.defaultID), '{}', \(now), \(now)) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }
}
