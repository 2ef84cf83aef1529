import Foundation

/// Persisted auth state: tenants with their limits, and API keys (hashes only).
///
/// Separate from ``JobStore`` so the job driver contract stays about jobs, and so a
/// store can be given credentials without anyone touching the hot path. `ConveyorSQLite`
/// and `ConveyorPostgres` implement it on the same database as their jobs.
public protocol CredentialStore: Sendable {
    /// Creates the credential tables when missing. Idempotent; safe from several nodes.
    /// Call it after the job store's own migration.
    func prepareCredentials() async throws

    // MARK: Tenants

    /// Inserts a tenant, or replaces the limits of an existing one (keeping its
    /// `created_at`). Returns the stored tenant and whether it was created.
    func saveTenant(id: String, limits: TenantLimits, now: Date) async throws -> (tenant: Tenant, created: Bool)

    func tenant(id: String) async throws -> Tenant?

    /// Every tenant, by id.
    func listTenants() async throws -> [Tenant]

    // MARK: API keys

    /// Inserts a key. Its id and hash are new; a collision is an error.
    func insertAPIKey(_ key: HashedAPIKey) async throws

    /// Inserts `key` only when no admin key is active at `now`, atomically, so nodes
    /// starting together print at most one bootstrap key. Returns whether it inserted.
    func insertBootstrapAPIKey(_ key: HashedAPIKey, now: Date) async throws -> Bool

    func apiKey(id: String) async throws -> APIKey?

    /// The key whose secret hashes to `hash`, whatever its status: the caller decides
    /// what revoked or expired means and compares the hash in constant time.
    func apiKey(hash: String) async throws -> HashedAPIKey?

    /// Keys, newest first, optionally of one tenant and starting with `prefix`.
    func listAPIKeys(tenant: String?, prefix: String?) async throws -> [APIKey]

    /// Sets `revoked_at` (kept if already revoked). Nil when no key has that id.
    func revokeAPIKey(id: String, at: Date) async throws -> APIKey?

    /// Sets or clears `expires_at`. Nil when no key has that id.
    func setAPIKeyExpiry(id: String, expiresAt: Date?) async throws -> APIKey?

    /// Records that the key authenticated a request at `at`.
    func recordAPIKeyUse(id: String, at: Date) async throws
}
