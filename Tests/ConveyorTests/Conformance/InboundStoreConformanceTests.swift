import ConveyorCore
import Foundation
import Testing

/// The ``InboundStore`` contract, run once per driver: sources saved through the API,
/// kept with their secret (verifying needs it) and every option.
@Suite("InboundStore conformance")
struct InboundStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func source(_ name: String, tenant: String = "acme", secret: String = "shh", at: Date? = nil) -> InboundSource {
        InboundSource(name: name, scheme: .hmacSHA256, secret: secret, tenant: tenant, signatureHeader: "X-Signature", updatedAt: at ?? t0)
    }

    // MARK: saveInboundSource

    @Test(arguments: StoreKind.allCases)
    func saveInboundSourceCreatesThenReplaces(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.saveInboundSource(source("github")))
        let replacement = InboundSource(
            name: "github", scheme: .standardWebhooks, secret: "whsec_c2VjcmV0", tenant: "globex", timestampHeader: "Webhook-Timestamp",
            toleranceSeconds: 60, idHeader: "Webhook-Id", updatedAt: t0 + 5)
        #expect(try await store.saveInboundSource(replacement) == false, "replaced, not created")
        #expect(try await store.inboundSource(name: "github") == replacement)
        #expect(try await store.inboundSources().count == 1)
    }

    // MARK: inboundSource

    @Test(arguments: StoreKind.allCases)
    func inboundSourceRoundTripsEveryOptionAndTheSecret(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.inboundSource(name: "stripe") == nil)
        let full = InboundSource(
            name: "stripe", scheme: .stripe, secret: "whsec_live_123", tenant: "acme", signatureHeader: "Stripe-Signature",
            encoding: .base64, prefix: "v1=", timestampHeader: "X-Time", toleranceSeconds: 120, idHeader: "X-Id", origin: "api",
            updatedAt: t0)
        #expect(try await store.saveInboundSource(full))
        let read = try #require(try await store.inboundSource(name: "stripe"))
        #expect(read == full)
        #expect(read.secret == "whsec_live_123", "kept as given, not masked")
        #expect(try await store.inboundSource(name: "STRIPE") == nil, "names are exact")
    }

    // MARK: inboundSources

    @Test(arguments: StoreKind.allCases)
    func inboundSourcesListsEveryTenantsByName(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.inboundSources().isEmpty)
        for (name, tenant) in [("slack", "acme"), ("github", "globex"), ("linear", "acme")] {
            #expect(try await store.saveInboundSource(source(name, tenant: tenant)))
        }
        let all = try await store.inboundSources()
        #expect(all.map(\.name) == ["github", "linear", "slack"])
        #expect(all.map(\.tenant) == ["globex", "acme", "acme"])
    }

    // MARK: deleteInboundSource

    @Test(arguments: StoreKind.allCases)
    func deleteInboundSourceRemovesOnlyThatSource(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.saveInboundSource(source("a")))
        #expect(try await store.saveInboundSource(source("b")))
        #expect(try await store.deleteInboundSource(name: "a"))
        #expect(try await store.deleteInboundSource(name: "a") == false)
        #expect(try await store.inboundSource(name: "a") == nil)
        #expect(try await store.inboundSources().map(\.name) == ["b"])
        // A deleted name can be saved again, as new.
        #expect(try await store.saveInboundSource(source("a", secret: "new")))
        #expect(try await store.inboundSource(name: "a")?.secret == "new")
    }
}
