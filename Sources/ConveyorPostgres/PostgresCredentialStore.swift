import ConveyorCore
import Foundation
import Logging
import PostgresNIO

/// Tenants and API keys in the same PostgreSQL database as the jobs, on the job
/// store's connection pool (which must be running).
public final class PostgresCredentialStore: CredentialStore {
    let client: PostgresClient
    let logger: Logger

    public init(_ jobs: PostgresJobStore) {
        self.client = jobs.client
        self.logger = jobs.logger
    }

    public func prepareCredentials() async throws {
        try await PostgresCredentialSchema.prepare(client, logger: logger)
    }

    // MARK: Tenants

    public func saveTenant(id: String, limits: TenantLimits, now: Date) async throws -> (tenant: Tenant, created: Bool) {
        let stamp = PostgresTimestamp(now)
        // xmax is 0 only on a row this statement inserted, which tells insert from update.
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_tenants AS t (id, limits, created_at, updated_at)
            VALUES (\(id), \(try JSONB(encoding: limits)), \(stamp), \(stamp))
            ON CONFLICT (id) DO UPDATE SET limits = excluded.limits, updated_at = excluded.updated_at
            RETURNING \(unescaped: Self.tenantColumns), (t.xmax = 0)
            """, logger: logger)
        guard let row = rows.first else { throw PostgresStoreError("saving tenant \(id) returned no row") }
        var columns = PostgresJobRow.Columns(row)
        let tenant = try Self.tenant(&columns)
        return (tenant, try columns.next(Bool.self))
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await client.rows("SELECT \(unescaped: Self.tenantColumns) FROM conveyor_tenants WHERE id = \(id)", logger: logger)
            .first.map { row in
                var columns = PostgresJobRow.Columns(row)
                return try Self.tenant(&columns)
            }
    }

    public func listTenants() async throws -> [Tenant] {
        try await client.rows("SELECT \(unescaped: Self.tenantColumns) FROM conveyor_tenants ORDER BY id", logger: logger)
            .map { row in
                var columns = PostgresJobRow.Columns(row)
                return try Self.tenant(&columns)
            }
    }

    private static let tenantColumns = "id, limits, created_at, updated_at"

    private static func tenant(_ c: inout PostgresJobRow.Columns) throws -> Tenant {
        let id: String = try c.next()
        let limits: JSONB = try c.next()
        let createdAt: PostgresTimestamp = try c.next()
        let updatedAt: PostgresTimestamp = try c.next()
        return Tenant(
            id: id, limits: try limits.decode(TenantLimits.self), createdAt: createdAt.date, updatedAt: updatedAt.date)
    }

    // MARK: API keys

    public func insertAPIKey(_ key: HashedAPIKey) async throws {
        try await client.rows(Self.insert(key), logger: logger)
    }

    public func insertBootstrapAPIKey(_ key: HashedAPIKey, now: Date) async throws -> Bool {
        // The advisory lock serialises nodes starting together: the second sees the
        // first's key once the first commits.
        try await client.readCommittedTransaction(logger: logger) { connection in
            try await connection.rows(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: self.logger)
            let active = try await connection.rows(
                """
                SELECT 1 FROM conveyor_api_keys
                WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(PostgresTimestamp(now)))
                    AND \(Scope.admin.rawValue) = ANY(scopes)
                LIMIT 1
                """, logger: self.logger)
            guard active.isEmpty else { return false }
            try await connection.rows(Self.insert(key), logger: self.logger)
            return true
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await client.rows("SELECT \(unescaped: Self.keyColumns) FROM conveyor_api_keys WHERE id = \(id)", logger: logger)
            .first.map { try Self.hashedKey($0).key }
    }

    public func apiKey(hash: String) async throws -> HashedAPIKey? {
        try await client.rows(
            "SELECT \(unescaped: Self.keyColumns) FROM conveyor_api_keys WHERE hash = \(hash)", logger: logger
        ).first.map(Self.hashedKey)
    }

    public func listAPIKeys(tenant: String?, prefix: String?) async throws -> [APIKey] {
        // NULL parameters switch a filter off, so one statement text serves every case;
        // starts_with, not LIKE, so '_' and '%' in a prefix match literally.
        try await client.rows(
            """
            SELECT \(unescaped: Self.keyColumns) FROM conveyor_api_keys
            WHERE (\(tenant)::text IS NULL OR tenant = \(tenant))
                AND (\(prefix)::text IS NULL OR starts_with(prefix, \(prefix)))
            ORDER BY id DESC
            """, logger: logger
        ).map { try Self.hashedKey($0).key }
    }

    public func revokeAPIKey(id: String, at: Date) async throws -> APIKey? {
        try await client.rows(
            """
            UPDATE conveyor_api_keys SET revoked_at = coalesce(revoked_at, \(PostgresTimestamp(at))) WHERE id = \(id)
            RETURNING \(unescaped: Self.keyColumns)
            """, logger: logger
        ).first.map { try Self.hashedKey($0).key }
    }

    public func setAPIKeyExpiry(id: String, expiresAt: Date?) async throws -> APIKey? {
        try await client.rows(
            """
            UPDATE conveyor_api_keys SET expires_at = \(expiresAt.map(PostgresTimestamp.init)) WHERE id = \(id)
            RETURNING \(unescaped: Self.keyColumns)
            """, logger: logger
        ).first.map { try Self.hashedKey($0).key }
    }

    public func recordAPIKeyUse(id: String, at: Date) async throws {
        try await client.rows(
            "UPDATE conveyor_api_keys SET last_used_at = \(PostgresTimestamp(at)) WHERE id = \(id)", logger: logger)
    }

    private static let keyColumns = "id, name, tenant, scopes, prefix, created_at, expires_at, revoked_at, last_used_at, hash"

    private static func insert(_ hashed: HashedAPIKey) -> PostgresQuery {
        let key = hashed.key
        return """
            INSERT INTO conveyor_api_keys (id, name, tenant, scopes, prefix, created_at, expires_at, revoked_at,
                last_used_at, hash)
            VALUES (\(key.id), \(key.name), \(key.tenant), \(key.scopes.map(\.rawValue)), \(key.prefix),
                \(PostgresTimestamp(key.createdAt)), \(key.expiresAt.map(PostgresTimestamp.init)),
                \(key.revokedAt.map(PostgresTimestamp.init)), \(key.lastUsedAt.map(PostgresTimestamp.init)), \(hashed.hash))
            """
    }

    private static func hashedKey(_ row: PostgresRow) throws -> HashedAPIKey {
        var c = PostgresJobRow.Columns(row)
        let id: String = try c.next()
        let name: String = try c.next()
        let tenant: String = try c.next()
        let scopes: [String] = try c.next()
        let prefix: String = try c.next()
        let createdAt: PostgresTimestamp = try c.next()
        let expiresAt: PostgresTimestamp? = try c.next()
        let revokedAt: PostgresTimestamp? = try c.next()
        let lastUsedAt: PostgresTimestamp? = try c.next()
        let hash: String = try c.next()
        let key = APIKey(
            id: id, name: name, tenant: tenant, scopes: scopes.map(Scope.init(rawValue:)), prefix: prefix,
            createdAt: createdAt.date, expiresAt: expiresAt?.date, revokedAt: revokedAt?.date,
            lastUsedAt: lastUsedAt?.date)
        return HashedAPIKey(key: key, hash: hash)
    }
}
