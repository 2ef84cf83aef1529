import ConveyorCore
import Foundation
import Testing

/// The `SecretStore` contract, run against every store.
@Suite("SecretStore conformance")
struct SecretStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func make(_ kind: StoreKind) async throws -> any SecretStore {
        try #require(try await kind.make() as? any SecretStore)
    }

    @Test(arguments: StoreKind.allCases)
    func putCreatesThenReplacesAndListsWithoutValues(kind: StoreKind) async throws {
        let store = try await make(kind)
        #expect(try await store.putSecret(tenant: "a", name: "token", value: "v1", now: t0))
        #expect(!(try await store.putSecret(tenant: "a", name: "token", value: "v2", now: t0.addingTimeInterval(5))))
        #expect(try await store.putSecret(tenant: "a", name: "Another.key", value: "x", now: t0))
        #expect(try await store.secretValue(tenant: "a", name: "token") == "v2")
        #expect(
            try await store.listSecrets(tenant: "a") == [
                SecretInfo(name: "Another.key", createdAt: t0, updatedAt: t0),
                SecretInfo(name: "token", createdAt: t0, updatedAt: t0.addingTimeInterval(5)),
            ])
        #expect(try await store.deleteSecret(tenant: "a", name: "token"))
        #expect(!(try await store.deleteSecret(tenant: "a", name: "token")))
        #expect(try await store.secretValue(tenant: "a", name: "token") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func tenantsNeverSeeEachOthersSecrets(kind: StoreKind) async throws {
        let store = try await make(kind)
        _ = try await store.putSecret(tenant: "a", name: "token", value: "a-value", now: t0)
        #expect(try await store.secretValue(tenant: "b", name: "token") == nil)
        #expect(try await store.listSecrets(tenant: "b").isEmpty)
        #expect(!(try await store.deleteSecret(tenant: "b", name: "token")))
        #expect(try await store.putSecret(tenant: "b", name: "token", value: "b-value", now: t0))
        #expect(try await store.secretValue(tenant: "a", name: "token") == "a-value")
        #expect(try await store.secretValue(tenant: "b", name: "token") == "b-value")
    }

    /// Nodes racing to create the sealing key (or a signing secret) all get the first one stored.
    @Test(arguments: StoreKind.allCases)
    func insertIfAbsentKeepsTheFirstValueUnderARace(kind: StoreKind) async throws {
        let store = try await make(kind)
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<16 {
                group.addTask { try await store.insertSecretIfAbsent(tenant: "", name: "conveyor:key", value: "v\(i)", now: self.t0) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(values).count == 1)
        #expect(try await store.secretValue(tenant: "", name: "conveyor:key") == values[0])
        #expect(try await store.insertSecretIfAbsent(tenant: "", name: "conveyor:key", value: "later", now: t0) == values[0])
    }

    @Test(arguments: StoreKind.allCases)
    func replaceSwapsOnlyTheExpectedValue(kind: StoreKind) async throws {
        let store = try await make(kind)
        _ = try await store.insertSecretIfAbsent(tenant: "a", name: "s", value: "one", now: t0)
        #expect(!(try await store.replaceSecret(tenant: "a", name: "s", expected: "zero", with: "two", now: t0)))
        #expect(try await store.replaceSecret(tenant: "a", name: "s", expected: "one", with: "two", now: t0))
        #expect(!(try await store.replaceSecret(tenant: "a", name: "s", expected: "one", with: "three", now: t0)))
        #expect(!(try await store.replaceSecret(tenant: "b", name: "s", expected: "two", with: "three", now: t0)))
        #expect(try await store.secretValue(tenant: "a", name: "s") == "two")
    }

    /// Concurrent rotations each take effect: none is lost to a lost update.
    @Test(arguments: StoreKind.allCases)
    func concurrentSigningRotationsAllTakeEffect(kind: StoreKind) async throws {
        let store = try await make(kind)
        let secrets = TenantSecrets(tenant: "a", store: store)
        let first = try await secrets.signingSecret()
        #expect(first.secret.hasPrefix("whsec_") && first.signingSecrets(at: Date()) == [first.secret])
        let conveyor = Conveyor(store: try #require(store as? any StoreDriver), registry: JobRegistry())
        let caller = Caller(credential: .development, tenant: "a", scopes: [.secretsManage])
        let rotated = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 { group.addTask { try await conveyor.rotateSigningSecret(as: caller).secret } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(rotated).count == 5)
        let now = try await secrets.signingSecret()
        #expect(rotated.contains(now.secret) && now.secret != first.secret)
        #expect(now.signingSecrets(at: Date()).count == 2)
    }
}
