import ConveyorCore
import Foundation
import GRDB

/// The `v2-auth` migration: who created each job, tenants, and API keys.
enum SQLiteAuthSchema {
    static func migrate(_ db: Database) throws {
        // Nullable, so existing rows need no value: jobs enqueued before auth have no creator.
        try db.execute(sql: "ALTER TABLE jobs ADD COLUMN created_by TEXT")
        try db.execute(
            sql: """
                -- Limits are a JSON object so new limits need no migration.
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    limits TEXT NOT NULL DEFAULT '{}',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;

                -- Only the SHA-256 of a key is kept; requests find their key by it.
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    tenant TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    revoked_at INTEGER,
                    last_used_at INTEGER
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
                CREATE INDEX api_keys_tenant ON api_keys (tenant, id);
                """)
        // Every deployment has the default tenant, so keys can be made for it at once.
        let now = SQLiteRow.millis(Date())
        try db.execute(
            sql: "INSERT INTO tenants (id, limits, created_at, updated_at) VALUES (?, '{}', ?, ?)",
            arguments: [Tenant.defaultID, now, now])
    }
}
