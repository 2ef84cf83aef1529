import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite
import Foundation
import Testing

extension StoreKind {
    /// A fresh job store with its credential store, both prepared.
    func makeWithCredentials() async throws -> (jobs: any StoreDriver, credentials: any CredentialStore) {
        let jobs = try await make()
        let credentials: any CredentialStore
        switch jobs {
        case let sqlite as SQLiteJobStore: credentials = SQLiteCredentialStore(sqlite)
        case let postgres as PostgresJobStore: credentials = PostgresCredentialStore(postgres)
        default: throw UnknownStore()
        }
        try await credentials.prepareCredentials()
        return (jobs, credentials)
    }

    struct UnknownStore: Error {}
}

/// The `CredentialStore` contract, run against every store, as the job conformance
/// suite is.
@Suite("CredentialStore conformance")
struct CredentialStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func key(
        _ id: String, tenant: String = "default", scopes: [Scope] = [.jobsRead], prefix: String = "cvk_AAAAAAAA",
        hash: String? = nil, expiresAt: Date? = nil
    ) -> HashedAPIKey {
        HashedAPIKey(
            key: APIKey(id: id, name: "key \(id)", tenant: tenant, scopes: scopes, prefix: prefix, createdAt: t0, expiresAt: expiresAt),
            hash: hash ?? String(repeating: "0", count: 60) + String(id.prefix(4)).padding(toLength: 4, withPad: "0", startingAt: 0))
    }

    @Test(arguments: StoreKind.allCases)
    func preparingTwiceKeepsTheDefaultTenant(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        try await store.prepareCredentials()
        #expect(try await store.listTenants().map(\.id) == [Tenant.defaultID])
        #expect(try await store.tenant(id: "nobody") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func savingATenantCreatesThenReplacesItsLimits(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        let limits = TenantLimits(maxConcurrency: 3, rateLimit: RateLimit(count: 10, periodSeconds: 1.5), maxPayloadBytes: 512)
        let (created, isNew) = try await store.saveTenant(id: "acme", limits: limits, now: t0)
        #expect(isNew)
        #expect(created == Tenant(id: "acme", limits: limits, createdAt: t0, updatedAt: t0))
        let later = t0.addingTimeInterval(60)
        let (updated, isNewAgain) = try await store.saveTenant(id: "acme", limits: TenantLimits(), now: later)
        #expect(!isNewAgain)
        #expect(updated == Tenant(id: "acme", limits: TenantLimits(), createdAt: t0, updatedAt: later))
        #expect(try await store.tenant(id: "acme") == updated)
        #expect(try await store.listTenants().map(\.id) == ["acme", "default"])
    }

    @Test(arguments: StoreKind.allCases)
    func keysReadBackByIdAndByHash(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        let k = key("k1", scopes: [.jobsRead, .jobsWrite], expiresAt: t0.addingTimeInterval(3600))
        try await store.insertAPIKey(k)
        #expect(try await store.apiKey(id: "k1") == k.key)
        #expect(try await store.apiKey(hash: k.hash) == k)
        #expect(try await store.apiKey(hash: String(repeating: "f", count: 64)) == nil)
        #expect(try await store.apiKey(id: "nope") == nil)
        // A hash is unique: a second key with it is refused.
        await #expect(throws: (any Error).self) { try await store.insertAPIKey(key("k2", hash: k.hash)) }
    }

    @Test(arguments: StoreKind.allCases)
    func listingFiltersByTenantAndLiteralPrefixNewestFirst(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        try await store.insertAPIKey(key("k1", tenant: "a", prefix: "cvk_AAAA1111"))
        try await store.insertAPIKey(key("k2", tenant: "b", prefix: "cvk_AAAA2222"))
        // '_' must match only itself, not any character as in LIKE.
        try await store.insertAPIKey(key("k3", tenant: "a", prefix: "cvkXAAAA3333"))
        #expect(try await store.listAPIKeys(tenant: nil, prefix: nil).map(\.id) == ["k3", "k2", "k1"])
        #expect(try await store.listAPIKeys(tenant: "a", prefix: nil).map(\.id) == ["k3", "k1"])
        #expect(try await store.listAPIKeys(tenant: nil, prefix: "cvk_").map(\.id) == ["k2", "k1"])
        #expect(try await store.listAPIKeys(tenant: "b", prefix: "cvk_AAAA").map(\.id) == ["k2"])
        #expect(try await store.listAPIKeys(tenant: "c", prefix: nil).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func revokingKeepsTheFirstTimeAndExpiryCanBeSetAndCleared(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        try await store.insertAPIKey(key("k1"))
        let revoked = try #require(try await store.revokeAPIKey(id: "k1", at: t0.addingTimeInterval(5)))
        #expect(revoked.revokedAt == t0.addingTimeInterval(5))
        #expect(try await store.revokeAPIKey(id: "k1", at: t0.addingTimeInterval(9))?.revokedAt == t0.addingTimeInterval(5))
        #expect(try await store.revokeAPIKey(id: "nope", at: t0) == nil)

        #expect(try await store.setAPIKeyExpiry(id: "k1", expiresAt: t0.addingTimeInterval(60))?.expiresAt == t0.addingTimeInterval(60))
        #expect(try await store.setAPIKeyExpiry(id: "k1", expiresAt: nil)?.expiresAt == nil)
        #expect(try await store.setAPIKeyExpiry(id: "nope", expiresAt: nil) == nil)

        try await store.recordAPIKeyUse(id: "k1", at: t0.addingTimeInterval(30))
        #expect(try await store.apiKey(id: "k1")?.lastUsedAt == t0.addingTimeInterval(30))
    }

    @Test(arguments: StoreKind.allCases)
    func bootstrapKeyOnlyWhileNoAdminKeyIsActive(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        // Keys without admin do not count.
        try await store.insertAPIKey(key("user", scopes: [.jobsWrite]))
        #expect(try await store.insertBootstrapAPIKey(key("b1", scopes: [.admin]), now: t0))
        #expect(!(try await store.insertBootstrapAPIKey(key("b2", scopes: [.admin]), now: t0)))
        // Once the admin key is revoked or expired, a new one may be made.
        _ = try await store.revokeAPIKey(id: "b1", at: t0)
        try await store.insertAPIKey(key("lapsed", scopes: [.admin], expiresAt: t0))
        #expect(try await store.insertBootstrapAPIKey(key("b3", scopes: [.admin]), now: t0))
        #expect(try await store.listAPIKeys(tenant: nil, prefix: nil).map(\.id).sorted() == ["b1", "b3", "lapsed", "user"])
    }

    @Test(arguments: StoreKind.allCases)
    func nodesStartingTogetherMakeOneBootstrapKey(kind: StoreKind) async throws {
        let (_, store) = try await kind.makeWithCredentials()
        let t0 = self.t0
        let keys = (0..<8).map { key("node\($0)", scopes: [.admin]) }
        let made = try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in keys { group.addTask { try await store.insertBootstrapAPIKey(k, now: t0) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(made == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func createdByRoundTrips(kind: StoreKind) async throws {
        let (jobs, _) = try await kind.makeWithCredentials()
        var new = NewJob.test(at: t0)
        new.createdBy = "key:abc"
        let inserted = try await jobs.insertJobs([new, .test(at: t0)])
        #expect(inserted[0].job.createdBy == "key:abc")
        #expect(try await jobs.job(id: new.id)?.createdBy == "key:abc")
        #expect(try await jobs.job(id: inserted[1].job.id)?.createdBy == nil)
        #expect(try await jobs.listJobs(JobQuery()).jobs.map(\.createdBy).sorted { ($0 ?? "") < ($1 ?? "") } == [nil, "key:abc"])
    }
}
