import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A tenant naming another tenant's concurrency key gets a key of its own: it cannot
/// take the other's capacity, pause it through a 429, or trip its breaker, and the
/// other never sees it. Each case failed before keys were scoped to their tenant.
@Suite("Tenant-scoped concurrency keys")
struct TenantKeyIsolationTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// `acme`'s own job (its default key, `acme`) and `evil`'s job naming the key `acme`.
    func jobs(type: String = "test") -> [NewJob] {
        var own = NewJob.test(type: type, at: t0, tenant: "acme")
        own.concurrencyKey = nil
        var hostile = NewJob.test(type: type, at: t0, tenant: "evil")
        hostile.concurrencyKey = "acme"
        return [hostile, own]
    }

    func claim(_ store: any StoreDriver, _ limit: Int = 10, at: Date? = nil) async throws -> [ClaimedJob] {
        let now = at ?? t0
        return try await store.claimJobs(queue: "default", limit: limit, owner: "w", leaseUntil: now.addingTimeInterval(30), now: now)
    }

    @Test(arguments: StoreKind.allCases)
    func aKeyCapCountsEachTenantsKeyApart(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(keyConcurrencyLimit: 1), queue: "default", now: t0)
        let inserted = try await store.insertJobs(jobs()).map(\.job)
        #expect(inserted.map(\.concurrencyKey) == ["acme", "acme"], "shown as given")
        let claimed = try await claim(store)
        #expect(Set(claimed.map(\.tenant)) == ["acme", "evil"], "each tenant's key has its own cap of 1")
        #expect(Set(claimed.map(\.concurrencyKey)).count == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func a429PausesOnlyTheSendersKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([jobs()[0]])
        let hostile = try #require(try await claim(store).first)
        let until = t0.addingTimeInterval(3600)
        try await store.completeJobs([
            JobOutcome(lease: hostile.lease, owner: "w", kind: .snoozed(until: until), finishedAt: t0, pauseKeyUntil: until)
        ])
        _ = try await store.insertJobs([jobs()[1]])
        let claimed = try await claim(store, at: t0.addingTimeInterval(1))
        #expect(claimed.map(\.tenant) == ["acme"], "acme's key is not paused")
        let paused = try await store.pausedKeys(queue: "default", now: t0.addingTimeInterval(1))
        #expect(paused.map { ConcurrencyKey.parse($0.key).tenant } == ["evil"])
    }

    @Test(arguments: StoreKind.allCases)
    func failuresTripOnlyTheSendersBreaker(kind: StoreKind) async throws {
        let store = try await kind.make()
        let policy = CircuitBreakerPolicy(threshold: 1, cooldownSeconds: 600)
        _ = try await store.insertJobs([jobs(type: "scrape")[0]])
        let hostile = try #require(try await claim(store).first)
        let error = AttemptError(attempt: 1, message: "boom", type: "Boom", at: t0)
        try await store.completeJobs([
            JobOutcome(
                lease: hostile.lease, owner: "w", kind: .failed(error: error), finishedAt: t0,
                circuit: CircuitTally(type: "scrape", key: hostile.concurrencyKey, queue: "default", tenant: "evil", policy: policy))
        ])
        let open = try #require(try await store.circuits(state: .open, limit: 10).first)
        #expect(open.shown.key == "acme" && open.shown.tenant == "evil")
        _ = try await store.insertJobs([jobs(type: "scrape")[1]])
        #expect(try await claim(store, at: t0.addingTimeInterval(1)).map(\.tenant) == ["acme"], "acme's scrapes still run")
        // The event shows the key as evil gave it, never the stored form.
        let events = try await store.readEvents(EventQuery(after: 0, limit: 100)).events
        let opened = try #require(events.first { $0.type == LogEvent.circuitOpened })
        #expect(opened.key == "scrape:acme")
        let jobEvents = events.filter { $0.type.hasPrefix("job.") }
        #expect(!jobEvents.isEmpty)
        for event in jobEvents {
            let json = String(decoding: try ConveyorJSON.encode(event.data), as: UTF8.self)
            #expect(json.contains(#""concurrency_key":"acme""#), "\(json)")
            #expect(!json.contains("\\u001f"), "\(json)")
        }
    }

    /// Over the API: evil trips a breaker on the key `acme`; acme sees nothing and its own
    /// reset finds nothing; evil sees and resets its own; an admin sees it with the tenant.
    @Test func breakersAreSeenAndResetByTheirOwnTenantOnly() async throws {
        let h = try await AuthHarness()
        try await openCircuit(h.store, key: "acme", tenant: "evil")
        let acme = try await h.apiKey(tenant: "acme", scopes: [.queuesManage]).secret
        let evil = try await h.apiKey(tenant: "evil", scopes: [.queuesManage]).secret
        let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
        try await h.run { client in
            #expect(try await client.send(.get, "/v1/circuits", bearer: acme).decode(CircuitList.self).circuits.isEmpty)
            try expectProblem(try await client.send(.post, "/v1/circuits/acme/reset", bearer: acme), .notFound, type: "not-found")
            let seen = try await client.send(.get, "/v1/circuits", bearer: admin).decode(CircuitList.self).circuits
            #expect(seen.map(\.key) == ["acme"] && seen.map(\.tenant) == ["evil"])
            let own = try await client.send(.get, "/v1/circuits", bearer: evil).decode(CircuitList.self).circuits
            #expect(own.map(\.key) == ["acme"])
            #expect(try await client.send(.post, "/v1/circuits/acme/reset", bearer: evil).status == .ok)
            #expect(try await h.store.circuits(state: .open, limit: 10).isEmpty)
        }
    }

    @Test func keysRefuseControlCharacters() throws {
        var request = EnqueueRequest(type: "echo", payload: [:])
        request.concurrencyKey = "acme\u{1F}x"
        #expect(throws: ConveyorError.self) { try request.resolve(defaults: JobDefaults(), now: Date()) }
    }
}
