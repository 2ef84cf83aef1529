import ConveyorCore
import Foundation
import PostgresNIO

/// Named tenant secrets. Each method is one statement, so creating on first use and
/// rotating are race-free across nodes without a transaction.
extension PostgresJobStore {
    public func putSecret(tenant: String, name: String, value: String, now: Date) async throws -> Bool {
        let stamp = PostgresTimestamp(now)
        // xmax is 0 only on a row this statement inserted, which tells insert from update.
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_secrets AS s (tenant, name, value, created_at, updated_at)
            VALUES (\(tenant), \(name), \(value), \(stamp), \(stamp))
            ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            RETURNING (s.xmax = 0)
            """, logger: logger)
        guard let row = rows.first else { throw PostgresStoreError("saving secret \(name) returned no row") }
        return try row.decode(Bool.self)
    }

    public func insertSecretIfAbsent(tenant: String, name: String, value: String, now: Date) async throws -> String {
        let stamp = PostgresTimestamp(now)
        // DO UPDATE with an unchanged value (rather than DO NOTHING) returns the row that
        // won, in the same statement, whichever node inserted it.
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_secrets AS s (tenant, name, value, created_at, updated_at)
            VALUES (\(tenant), \(name), \(value), \(stamp), \(stamp))
            ON CONFLICT (tenant, name) DO UPDATE SET value = s.value
            RETURNING s.value
            """, logger: logger)
        guard let row = rows.first else { throw PostgresStoreError("creating secret \(name) returned no row") }
        return try row.decode(String.self)
    }

    public func replaceSecret(tenant: String, name: String, expected: String, with value: String, now: Date) async throws -> Bool {
        let rows = try await client.rows(
            """
            UPDATE conveyor_secrets SET value = \(value), updated_at = \(PostgresTimestamp(now))
            WHERE tenant = \(tenant) AND name = \(name) AND value = \(expected)
            RETURNING 1
            """, logger: logger)
        return !rows.isEmpty
    }

    public func secretValue(tenant: String, name: String) async throws -> String? {
        try await client.rows(
            "SELECT value FROM conveyor_secrets WHERE tenant = \(tenant) AND name = \(name)", logger: logger
        ).first?.decode(String.self)
    }

    public func listSecrets(tenant: String) async throws -> [SecretInfo] {
        try await client.rows(
            "SELECT name, created_at, updated_at FROM conveyor_secrets WHERE tenant = \(tenant) ORDER BY name", logger: logger
        ).map { row in
            let (name, created, updated) = try row.decode((String, PostgresTimestamp, PostgresTimestamp).self)
            return SecretInfo(name: name, createdAt: created.date, updatedAt: updated.date)
        }
    }

    public func deleteSecret(tenant: String, name: String) async throws -> Bool {
        !(try await client.rows(
            "DELETE FROM conveyor_secrets WHERE tenant = \(tenant) AND name = \(name) RETURNING 1", logger: logger)).isEmpty
    }
}
