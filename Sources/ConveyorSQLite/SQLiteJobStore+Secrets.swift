import ConveyorCore
import Foundation
import GRDB

/// Named tenant secrets. SQLite has one writer, so each method's transaction is atomic
/// against every other node on the file.
extension SQLiteJobStore {
    public func putSecret(tenant: String, name: String, value: String, now: Date) async throws -> Bool {
        try await pool.write { db in
            let existed = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM secrets WHERE tenant = ? AND name = ?", arguments: [tenant, name]) ?? false
            try db.execute(
                sql: """
                    INSERT INTO secrets (tenant, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """,
                arguments: [tenant, name, value, SQLiteRow.millis(now), SQLiteRow.millis(now)])
            return !existed
        }
    }

    public func insertSecretIfAbsent(tenant: String, name: String, value: String, now: Date) async throws -> String {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO secrets (tenant, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (tenant, name) DO NOTHING
                    """,
                arguments: [tenant, name, value, SQLiteRow.millis(now), SQLiteRow.millis(now)])
            return try String.fetchOne(
                db, sql: "SELECT value FROM secrets WHERE tenant = ? AND name = ?", arguments: [tenant, name]) ?? value
        }
    }

    public func replaceSecret(tenant: String, name: String, expected: String, with value: String, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE secrets SET value = ?, updated_at = ? WHERE tenant = ? AND name = ? AND value = ?",
                arguments: [value, SQLiteRow.millis(now), tenant, name, expected])
            return db.changesCount == 1
        }
    }

    public func secretValue(tenant: String, name: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM secrets WHERE tenant = ? AND name = ?", arguments: [tenant, name])
        }
    }

    public func listSecrets(tenant: String) async throws -> [SecretInfo] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, created_at, updated_at FROM secrets WHERE tenant = ? ORDER BY name", arguments: [tenant]
            ).map { row in
                SecretInfo(name: row[0], createdAt: SQLiteRow.date(row[1] as Int64), updatedAt: SQLiteRow.date(row[2] as Int64))
            }
        }
    }

    public func deleteSecret(tenant: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM secrets WHERE tenant = ? AND name = ?", arguments: [tenant, name])
            return db.changesCount == 1
        }
    }
}
