import ConveyorCore
import Foundation
import Testing

/// The ``WebhookStore`` contract, run once per driver: endpoints, the dispatcher's cursor,
/// leased sending with per-endpoint concurrency and ordering, attempts fenced by the lease,
/// the disable rule, redelivery and pruning.
@Suite("WebhookStore conformance")
struct WebhookStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func endpoint(
        _ id: String, tenant: String = "acme", ordered: Bool = false, maxConcurrency: Int = 10, at: Date? = nil
    ) -> WebhookEndpoint {
        WebhookEndpoint(
            id: id, tenant: tenant, url: "https://example.com/hooks/\(id)", events: ["job.*"], description: "endpoint \(id)",
            secret: "whsec_c2VjcmV0", ordered: ordered, maxConcurrency: maxConcurrency, createdAt: at ?? t0, updatedAt: at ?? t0,
            createdBy: "key:abc")
    }

    func delivery(_ id: String, endpoint: String, event: Int64, tenant: String = "acme") -> NewWebhookDelivery {
        NewWebhookDelivery(id: id, endpointID: endpoint, eventID: event, eventType: "job.succeeded", tenant: tenant, body: #"{"id":\#(event)}"#)
    }

    func attempt(_ n: Int, status: Int? = 500, error: String? = nil, next: Date? = nil) -> WebhookAttempt {
        WebhookAttempt(attempt: n, at: t0, statusCode: status, latencyMs: 12, response: "body \(n)", error: error, nextAttemptAt: next)
    }

    func claim(_ store: any StoreDriver, owner: String = "sender-a", limit: Int = 100, at: Date? = nil) async throws -> [ClaimedWebhookDelivery] {
        let now = at ?? t0
        return try await store.claimWebhookDeliveries(owner: owner, limit: limit, leaseUntil: now + 30, now: now)
    }

    func record(
        _ store: any StoreDriver, _ id: String, owner: String = "sender-a", _ outcome: WebhookAttemptOutcome, n: Int = 1,
        disableAfter: Int = 100, at: Date? = nil
    ) async throws -> WebhookAttemptRecord? {
        let ok = outcome == .succeeded
        return try await store.recordWebhookAttempt(
            deliveryID: id, owner: owner, attempt: attempt(n, status: ok ? 200 : 500, error: ok ? nil : "HTTP 500"),
            outcome: outcome, disableAfter: disableAfter, now: at ?? t0)
    }

    // MARK: createWebhookEndpoint

    @Test(arguments: StoreKind.allCases)
    func createWebhookEndpointStartsAtTheLogsHead(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.createWebhookEndpoint(endpoint("e1"))
        #expect(first.startAfter == 0, "an empty log")
        _ = try await store.appendEvent(NewEvent(topic: "entry.saved", key: "k", tenant: "acme", data: [:]))
        let head = try await store.appendEvent(NewEvent(topic: "entry.saved", key: "k", tenant: "acme", data: [:])).event.id
        var asked = endpoint("e2")
        asked.startAfter = 999_999
        let second = try await store.createWebhookEndpoint(asked)
        #expect(second.startAfter == head, "the store sets the start, whatever was asked")
        var expected = asked
        expected.startAfter = head
        #expect(second == expected)
        #expect(try await store.webhookEndpoint(id: "e2") == expected)
        // An id is unique.
        await #expect(throws: (any Error).self) { _ = try await store.createWebhookEndpoint(endpoint("e2")) }
    }

    // MARK: webhookEndpoint

    @Test(arguments: StoreKind.allCases)
    func webhookEndpointRoundTripsEveryField(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.webhookEndpoint(id: "missing") == nil)
        var full = endpoint("e1", ordered: true, maxConcurrency: 1)
        full.previousSecret = "whsec_b2xk"
        full.previousSecretExpiresAt = t0 + 3600
        full.enabled = false
        full.disabledReason = "paused by hand"
        full.consecutiveFailures = 4
        full.events = ["job.failed", "workflow.*"]
        let created = try await store.createWebhookEndpoint(full)
        #expect(try await store.webhookEndpoint(id: "e1") == created)
        #expect(created.previousSecret == "whsec_b2xk" && created.events == ["job.failed", "workflow.*"] && !created.enabled)
    }

    // MARK: webhookEndpoints

    @Test(arguments: StoreKind.allCases)
    func webhookEndpointsListsOldestFirstPerTenant(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("c", at: t0 + 2))
        _ = try await store.createWebhookEndpoint(endpoint("b", tenant: "globex", at: t0 + 1))
        _ = try await store.createWebhookEndpoint(endpoint("a", at: t0 + 2))
        _ = try await store.createWebhookEndpoint(endpoint("z", at: t0))
        #expect(try await store.webhookEndpoints(tenant: nil).map(\.id) == ["z", "b", "a", "c"])
        #expect(try await store.webhookEndpoints(tenant: "acme").map(\.id) == ["z", "a", "c"])
        #expect(try await store.webhookEndpoints(tenant: "globex").map(\.id) == ["b"])
        #expect(try await store.webhookEndpoints(tenant: "initech").isEmpty)
    }

    // MARK: updateWebhookEndpoint

    @Test(arguments: StoreKind.allCases)
    func updateWebhookEndpointWritesAllButIdentityAndStart(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.appendEvent(NewEvent(topic: "t", key: "k", tenant: "acme", data: [:]))
        let created = try await store.createWebhookEndpoint(endpoint("e1"))
        var changed = created
        changed.url = "https://example.org/other"
        changed.events = ["entry.*"]
        changed.description = "renamed"
        changed.secret = "whsec_bmV3"
        changed.previousSecret = created.secret
        changed.previousSecretExpiresAt = t0 + 60
        changed.ordered = true
        changed.maxConcurrency = 2
        changed.enabled = false
        changed.disabledReason = "by hand"
        changed.consecutiveFailures = 7
        changed.updatedAt = t0 + 5
        #expect(try await store.updateWebhookEndpoint(changed))
        #expect(try await store.webhookEndpoint(id: "e1") == changed)

        // Identity, start and creation are not written.
        var forged = changed
        forged.tenant = "globex"
        forged.startAfter = 12345
        forged.createdAt = t0 + 999
        forged.createdBy = "someone"
        forged.description = "again"
        #expect(try await store.updateWebhookEndpoint(forged))
        var expected = changed
        expected.description = "again"
        #expect(try await store.webhookEndpoint(id: "e1") == expected)

        var missing = changed
        missing.id = "nope"
        #expect(try await store.updateWebhookEndpoint(missing) == false)
        #expect(try await store.webhookEndpoint(id: "nope") == nil)
    }

    // MARK: deleteWebhookEndpoint

    @Test(arguments: StoreKind.allCases)
    func deleteWebhookEndpointTakesItsDeliveriesWithIt(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        _ = try await store.createWebhookEndpoint(endpoint("e2"))
        try await store.dispatchWebhookDeliveries(
            [delivery("d1", endpoint: "e1", event: 1), delivery("d2", endpoint: "e2", event: 1)], cursor: 1, now: t0)
        #expect(try await store.deleteWebhookEndpoint(id: "e1"))
        #expect(try await store.deleteWebhookEndpoint(id: "e1") == false)
        #expect(try await store.webhookEndpoint(id: "e1") == nil)
        #expect(try await store.webhookDelivery(id: "d1") == nil)
        #expect(try await store.webhookDelivery(id: "d2") != nil, "other endpoints' deliveries stay")
        #expect(try await claim(store).map(\.id) == ["d2"])
    }

    // MARK: webhookDispatchCursor

    @Test(arguments: StoreKind.allCases)
    func webhookDispatchCursorStartsAtZeroAndNeverMovesBack(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.webhookDispatchCursor() == 0)
        #expect(try await store.dispatchWebhookDeliveries([], cursor: 7, now: t0) == 0)
        #expect(try await store.webhookDispatchCursor() == 7, "an empty batch still moves the cursor")
        try await store.dispatchWebhookDeliveries([], cursor: 3, now: t0)
        #expect(try await store.webhookDispatchCursor() == 7)
    }

    // MARK: dispatchWebhookDeliveries

    @Test(arguments: StoreKind.allCases)
    func dispatchWebhookDeliveriesInsertsEachPairOnce(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        _ = try await store.createWebhookEndpoint(endpoint("e2", tenant: "globex"))
        let inserted = try await store.dispatchWebhookDeliveries(
            [
                delivery("d1", endpoint: "e1", event: 5), delivery("d2", endpoint: "e2", event: 5, tenant: "globex"),
                delivery("d3", endpoint: "gone", event: 5), delivery("d4", endpoint: "e1", event: 6),
            ], cursor: 6, now: t0)
        #expect(inserted == 3, "the pair with a missing endpoint is skipped")
        // A repeated batch (a dispatcher that died before its cursor landed) adds nothing,
        // even under new delivery ids.
        let again = try await store.dispatchWebhookDeliveries(
            [delivery("d1", endpoint: "e1", event: 5), delivery("d5", endpoint: "e1", event: 6)], cursor: 6, now: t0 + 1)
        #expect(again == 0)
        #expect(try await store.webhookDispatchCursor() == 6)
        let d1 = try #require(try await store.webhookDelivery(id: "d1"))
        #expect(
            d1 == WebhookDelivery(
                id: "d1", endpointID: "e1", eventID: 5, eventType: "job.succeeded", tenant: "acme", state: .pending, nextAttemptAt: t0,
                createdAt: t0, updatedAt: t0, attempts: []))
        #expect(try await store.webhookDelivery(id: "d5") == nil)
        #expect(try await store.webhookDelivery(id: "d3") == nil)
    }

    // MARK: claimWebhookDeliveries

    @Test(arguments: StoreKind.allCases)
    func claimWebhookDeliveriesLeasesDueDeliveriesOnce(kind: StoreKind) async throws {
        let store = try await kind.make()
        let e1 = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries((1...3).map { delivery("d\($0)", endpoint: "e1", event: Int64($0)) }, cursor: 3, now: t0)
        #expect(try await claim(store, at: t0 - 1).isEmpty, "not due before it was dispatched")
        let first = try await claim(store, limit: 2)
        #expect(first.map(\.id) == ["d1", "d2"])
        #expect(first[0].eventID == 1 && first[0].body == #"{"id":1}"# && first[0].tries == 0 && first[0].attempts == 0)
        #expect(first[0].endpoint == e1)
        // Leased ones are not handed out again while the lease runs.
        #expect(try await claim(store, owner: "sender-b").map(\.id) == ["d3"])
        #expect(try await claim(store, owner: "sender-b", at: t0 + 29).isEmpty)
        // A sender that died: its lease runs out and the delivery is due again.
        #expect(Set(try await claim(store, owner: "sender-b", at: t0 + 31).map(\.id)) == ["d1", "d2", "d3"])
        // A stale sender's attempt records nothing.
        #expect(try await record(store, "d1", owner: "sender-a", .succeeded) == nil)
        #expect(try await store.webhookDelivery(id: "d1")?.state == .pending)
    }

    @Test(arguments: StoreKind.allCases)
    func claimWebhookDeliveriesHonoursConcurrencyOrderAndEnabled(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("capped", maxConcurrency: 2))
        _ = try await store.createWebhookEndpoint(endpoint("ordered", ordered: true))
        var off = endpoint("off")
        off.enabled = false
        _ = try await store.createWebhookEndpoint(off)
        try await store.dispatchWebhookDeliveries(
            (1...4).flatMap { n in
                ["capped", "ordered", "off"].map { delivery("\($0)-\(n)", endpoint: $0, event: Int64(n)) }
            }, cursor: 4, now: t0)
        let claimed = try await claim(store)
        #expect(Set(claimed.map(\.id)) == ["capped-1", "capped-2", "ordered-1"], "a disabled endpoint's deliveries wait")
        #expect(try await claim(store).isEmpty, "each endpoint is at its limit")

        // An ordered endpoint sends its next delivery only once the one before it ended.
        _ = try await record(store, "ordered-1", .retry(at: t0))
        #expect(try await claim(store).map(\.id) == ["ordered-1"], "a retried delivery still comes first")
        _ = try await record(store, "ordered-1", .succeeded)
        _ = try await record(store, "capped-1", .failed)
        #expect(Set(try await claim(store).map(\.id)) == ["ordered-2", "capped-3"])
        // Enabling the endpoint releases what it held.
        var on = off
        on.enabled = true
        #expect(try await store.updateWebhookEndpoint(on))
        #expect(try await claim(store).map(\.id).filter { $0.hasPrefix("off-") }.count == 4)
    }

    // MARK: recordWebhookAttempt

    @Test(arguments: StoreKind.allCases)
    func recordWebhookAttemptWritesTheOutcomeAndCountsFailures(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries((1...3).map { delivery("d\($0)", endpoint: "e1", event: Int64($0)) }, cursor: 3, now: t0)
        _ = try await claim(store)

        // A retry keeps it pending, due at the given time, and counts one failure.
        let retried = try #require(try await record(store, "d1", .retry(at: t0 + 60), at: t0 + 1))
        #expect(!retried.disabledEndpoint)
        #expect(retried.delivery.state == .pending && retried.delivery.nextAttemptAt == t0 + 60 && retried.delivery.updatedAt == t0 + 1)
        #expect(retried.delivery.attempts == [attempt(1, status: 500, error: "HTTP 500")])
        #expect(try await store.webhookEndpoint(id: "e1")?.consecutiveFailures == 1)
        #expect(try await record(store, "d1", .succeeded) == nil, "the lease ended with the attempt")
        #expect(try await claim(store, at: t0 + 59).map(\.id) == ["d2", "d3"], "d1 is not due yet; the others' leases ran out")
        let again = try await claim(store, at: t0 + 60)
        #expect(again.map(\.id) == ["d1"] && again[0].tries == 1 && again[0].attempts == 1)

        // A final failure counts too; a success clears the count.
        let failed = try #require(try await record(store, "d2", .failed, at: t0 + 61))
        #expect(failed.delivery.state == .failed && failed.delivery.nextAttemptAt == nil)
        #expect(try await store.webhookEndpoint(id: "e1")?.consecutiveFailures == 2)
        let succeeded = try #require(try await record(store, "d1", .succeeded, n: 2, at: t0 + 62))
        #expect(succeeded.delivery.state == .succeeded && succeeded.delivery.attempts.map(\.attempt) == [1, 2])
        #expect(try await store.webhookEndpoint(id: "e1")?.consecutiveFailures == 0)
        #expect(try await record(store, "missing", .succeeded) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func recordWebhookAttemptDisablesTheEndpointAtTheLimitOnce(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries((1...4).map { delivery("d\($0)", endpoint: "e1", event: Int64($0)) }, cursor: 4, now: t0)
        _ = try await claim(store)
        #expect(try await record(store, "d1", .failed, disableAfter: 3)?.disabledEndpoint == false)
        #expect(try await record(store, "d2", .failed, disableAfter: 3)?.disabledEndpoint == false)
        let third = try #require(try await record(store, "d3", .failed, disableAfter: 3, at: t0 + 9))
        #expect(third.disabledEndpoint)
        let disabled = try #require(try await store.webhookEndpoint(id: "e1"))
        #expect(!disabled.enabled && disabled.consecutiveFailures == 3 && disabled.updatedAt == t0 + 9)
        #expect(disabled.disabledReason?.contains("3") == true)
        let events = try await store.readEvents(EventQuery(after: 0, limit: 100)).events
        #expect(events.map(\.type) == [LogEvent.webhookEndpointDisabled])
        #expect(events.first?.key == "e1" && events.first?.tenant == "acme")
        #expect(events.first?.data["secret"] != .string(disabled.secret), "the event masks the secret")
        // Already disabled: it keeps counting but is not disabled again.
        #expect(try await record(store, "d4", .failed, disableAfter: 3)?.disabledEndpoint == false)
        #expect(try await store.webhookEndpoint(id: "e1")?.consecutiveFailures == 4)
        #expect(try await store.readEvents(EventQuery(after: 0, limit: 100)).events.count == 1)
    }

    // MARK: webhookDelivery

    @Test(arguments: StoreKind.allCases)
    func webhookDeliveryReadsOneWithItsAttempts(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.webhookDelivery(id: "missing") == nil)
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries([delivery("d1", endpoint: "e1", event: 9)], cursor: 9, now: t0)
        _ = try await claim(store)
        let recorded = try #require(try await record(store, "d1", .retry(at: t0 + 5)))
        #expect(try await store.webhookDelivery(id: "d1") == recorded.delivery)
    }

    // MARK: webhookDeliveries

    @Test(arguments: StoreKind.allCases)
    func webhookDeliveriesPageNewestEventFirst(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        _ = try await store.createWebhookEndpoint(endpoint("e2"))
        try await store.dispatchWebhookDeliveries(
            (1...5).map { delivery("d\($0)", endpoint: "e1", event: Int64($0)) } + [delivery("x", endpoint: "e2", event: 3)], cursor: 5,
            now: t0)
        var seen: [Int64] = []
        var cursor: Int64?
        repeat {
            let page = try await store.webhookDeliveries(endpointID: "e1", cursor: cursor, limit: 2)
            #expect(page.deliveries.count <= 2)
            seen += page.deliveries.map(\.eventID)
            cursor = page.nextCursor.flatMap { Int64($0) }
        } while cursor != nil
        #expect(seen == [5, 4, 3, 2, 1])
        #expect(try await store.webhookDeliveries(endpointID: "e1", cursor: 3, limit: 10).deliveries.map(\.id) == ["d2", "d1"])
        let all = try await store.webhookDeliveries(endpointID: "e1", cursor: nil, limit: 5)
        #expect(all.deliveries.count == 5 && all.nextCursor == nil, "an exact last page says no more")
        #expect(try await store.webhookDeliveries(endpointID: "none", cursor: nil, limit: 5).deliveries.isEmpty)
    }

    // MARK: redeliverWebhook

    @Test(arguments: StoreKind.allCases)
    func redeliverWebhookMakesItDueNowWithFreshTries(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.redeliverWebhook(id: "missing", now: t0) == nil)
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries(
            [delivery("d1", endpoint: "e1", event: 1), delivery("d2", endpoint: "e1", event: 2)], cursor: 2, now: t0)
        _ = try await claim(store)
        _ = try await record(store, "d1", .failed)
        _ = try await record(store, "d2", .succeeded)
        for id in ["d1", "d2"] {
            let again = try #require(try await store.redeliverWebhook(id: id, now: t0 + 100))
            #expect(again.state == .pending && again.nextAttemptAt == t0 + 100 && again.updatedAt == t0 + 100)
            #expect(again.attempts.count == 1, "the attempt log is kept")
        }
        let claimed = try await claim(store, at: t0 + 100)
        #expect(claimed.map(\.id) == ["d1", "d2"])
        #expect(claimed.allSatisfy { $0.tries == 0 && $0.attempts == 1 }, "a fresh schedule; attempts keep counting")
        // A delivery in flight is taken back from its sender: its late attempt records nothing.
        _ = try await store.redeliverWebhook(id: "d1", now: t0 + 101)
        #expect(try await record(store, "d1", .succeeded) == nil)
        #expect(try await store.webhookDelivery(id: "d1")?.state == .pending)
    }

    // MARK: pruneWebhookDeliveries

    @Test(arguments: StoreKind.allCases)
    func pruneWebhookDeliveriesKeepsPendingAndRecent(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createWebhookEndpoint(endpoint("e1"))
        try await store.dispatchWebhookDeliveries((1...5).map { delivery("d\($0)", endpoint: "e1", event: Int64($0)) }, cursor: 5, now: t0)
        _ = try await claim(store)
        _ = try await record(store, "d1", .succeeded, at: t0 + 10)
        _ = try await record(store, "d2", .failed, at: t0 + 10)
        _ = try await record(store, "d3", .succeeded, at: t0 + 10)
        _ = try await record(store, "d4", .succeeded, at: t0 + 50)
        _ = try await record(store, "d5", .retry(at: t0 + 60), at: t0 + 10)
        #expect(try await store.pruneWebhookDeliveries(before: t0 + 10, limit: 100) == 0, "strictly before")
        #expect(try await store.pruneWebhookDeliveries(before: t0 + 20, limit: 2) == 2)
        #expect(try await store.pruneWebhookDeliveries(before: t0 + 20, limit: 100) == 1)
        let left = try await store.webhookDeliveries(endpointID: "e1", cursor: nil, limit: 10).deliveries.map(\.id)
        #expect(left == ["d5", "d4"], "pending and recent ones stay")
    }
}
