import ConveyorCore
import Foundation
import GRDB

/// Tenants and API keys in the same SQLite file as the jobs, on the job store's pool.
/// The tables come from the store's own migrator (`v2-auth`).
public final class SQLiteCredentialStore: CredentialStore {
    let jobs: SQLiteJobStore
    private var pool: DatabasePool { jobs.pool }

    public init(_ jobs: SQLiteJobStore) {
        self.jobs = jobs
    }

    public func prepareCredentials() async throws {
        try await jobs.migrate()
    }

    // MARK: Tenants

    public func saveTenant(id: String, limits: TenantLimits, now: Date) async throws -> (tenant: Tenant, created: Bool) {
        let limitsJSON = try SQLiteRow.json(limits)
        return try await pool.write { db in
            let existing = try Self.fetchTenant(db, id: id)
            if existing == nil {
                try db.execute(
                    sql: "INSERT INTO tenants (id, limits, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    arguments: [id, limitsJSON, SQLiteRow.millis(now), SQLiteRow.millis(now)])
            } else {
                try db.execute(
                    sql: "UPDATE tenants SET limits = ?, updated_at = ? WHERE id = ?",
                    arguments: [limitsJSON, SQLiteRow.millis(now), id])
            }
            return (try Self.fetchTenant(db, id: id)!, existing == nil)
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await pool.read { db in try Self.fetchTenant(db, id: id) }
    }

    public func listTenants() async throws -> [Tenant] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.tenantColumns) FROM tenants ORDER BY id").map(Self.tenant)
        }
    }

    private static let tenantColumns = "id, limits, created_at, updated_at"

    private static func fetchTenant(_ db: Database, id: String) throws -> Tenant? {
        try Row.fetchOne(db, sql: "SELECT \(tenantColumns) FROM tenants WHERE id = ?", arguments: [id]).map(tenant)
    }

    private static func tenant(_ row: Row) throws -> Tenant {
        Tenant(
            id: row[0], limits: try SQLiteRow.decode(TenantLimits.self, row[1]), createdAt: SQLiteRow.date(row[2]),
            updatedAt: SQLiteRow.date(row[3]))
    }

    // MARK: API keys

    public func insertAPIKey(_ key: HashedAPIKey) async throws {
        let arguments = try Self.insertArguments(key)
        try await pool.write { db in
            try db.execute(sql: Self.insertKey, arguments: arguments)
        }
    }

    public func insertBootstrapAPIKey(_ key: HashedAPIKey, now: Date) async throws -> Bool {
        let arguments = try Self.insertArguments(key)
        // One write transaction: SQLite's single writer makes check-then-insert atomic.
        return try await pool.write { db in
            let active = try Row.fetchAll(
                db, sql: "SELECT scopes FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                arguments: [SQLiteRow.millis(now)])
            for row in active where try SQLiteRow.decode([Scope].self, row[0]).contains(.admin) {
                return false
            }
            try db.execute(sql: Self.insertKey, arguments: arguments)
            return true
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await pool.read { db in try Self.fetchKey(db, id: id)?.key }
    }

    public func apiKey(hash: String) async throws -> HashedAPIKey? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE hash = ?"), arguments: [hash]
            ).map(Self.hashedKey)
        }
    }

    public func listAPIKeys(tenant: String?, prefix: String?) async throws -> [APIKey] {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let tenant {
            clauses.append("tenant = ?")
            arguments.append(tenant)
        }
        if let prefix {
            // substr, not LIKE: a prefix holding '_' or '%' must match literally.
            clauses.append("substr(prefix, 1, ?) = ?")
            arguments += [prefix.count, prefix]
        }
        let sql = """
            SELECT \(Self.keyColumns) FROM api_keys
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")) ORDER BY id DESC
            """
        let args = StatementArguments(arguments)
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: args).map { try Self.hashedKey($0).key } }
    }

    public func revokeAPIKey(id: String, at: Date) async throws -> APIKey? {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                arguments: [SQLiteRow.millis(at), id])
            return try Self.fetchKey(db, id: id)?.key
        }
    }

    public func setAPIKeyExpiry(id: String, expiresAt: Date?) async throws -> APIKey? {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET expires_at = ? WHERE id = ?", arguments: [expiresAt.map(SQLiteRow.millis), id])
            return try Self.fetchKey(db, id: id)?.key
        }
    }

    public func recordAPIKeyUse(id: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [SQLiteRow.millis(at), id])
        }
    }

    private static let keyColumns = "id, name, tenant, scopes, prefix, created_at, expires_at, revoked_at, last_used_at, hash"

    private static let insertKey = """
        INSERT INTO api_keys (id, name, tenant, scopes, prefix, created_at, expires_at, revoked_at, last_used_at, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private static func insertArguments(_ hashed: HashedAPIKey) throws -> StatementArguments {
        let key = hashed.key
        let values: [(any DatabaseValueConvertible)?] = [
            key.id, key.name, key.tenant, try SQLiteRow.json(key.scopes), key.prefix, SQLiteRow.millis(key.createdAt),
            key.expiresAt.map(SQLiteRow.millis), key.revokedAt.map(SQLiteRow.millis),
            key.lastUsedAt.map(SQLiteRow.millis), hashed.hash,
        ]
        return StatementArguments(values)
    }

    private static func fetchKey(_ db: Database, id: String) throws -> HashedAPIKey? {
        try Row.fetchOne(db, sql: "SELECT \(keyColumns) FROM api_keys WHERE id = ?", arguments: [id]).map(hashedKey)
    }

    private static func hashedKey(_ row: Row) throws -> HashedAPIKey {
        let key = APIKey(
            id: row[0], name: row[1], tenant: row[2], scopes: try SQLiteRow.decode([Scope].self, row[3]), prefix: row[4],
            createdAt: SQLiteRow.date(row[5]), expiresAt: SQLiteRow.date(row[6] as Int64?),
            revokedAt: SQLiteRow.date(row[7] as Int64?), lastUsedAt: SQLiteRow.date(row[8] as Int64?))
        return HashedAPIKey(key: key, hash: row[9])
    }
}
