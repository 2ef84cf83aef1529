import ConveyorCore
import Foundation
import Testing

/// Flow control seen from running workers: fairness against a backlog, a handler that
/// signals a rate limit, and a breaker fed by real failures.
@Suite("Flow control engine")
struct FlowControlEngineTests {
    @Test(arguments: StoreKind.allCases)
    func aSmallTenantStartsWhileALargeBacklogDrains(kind: StoreKind) async throws {
        let backlog = 300
        let h = try await EngineHarness.start(kind: kind, concurrency: 4) { store, clock in
            try await store.setQueueSettings(QueueSettings(fair: true), queue: "default", now: clock.now())
            let big = (0..<backlog).map { _ in
                NewJob(
                    type: ScriptJob.type, payload: ["action": "sleep", "seconds": 0.01], runAt: clock.now(), tenant: "big",
                    createdAt: clock.now())
            }
            _ = try await store.insertJobs(big)
        }
        var small: [String] = []
        for _ in 0..<5 {
            small.append(try await h.enqueue("ok") { $0.tenant = "small" }.id)
        }
        for id in small { await h.starts.waitForStart(id) }
        let started = await h.starts.started
        let bigBefore = started.count - small.count
        // Oldest-first would start every big job before these; round robin gives the
        // small tenant a share of each claim.
        #expect(bigBefore < backlog / 2, "the small tenant waited for \(bigBefore) of \(backlog) big jobs")
        let queued = try await h.store.queueStats(now: Date()).first { $0.queue == "default" }?.counts["queued"] ?? 0
        #expect(queued > 0, "the big backlog is still draining")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func aRateLimitedHandlerSnoozesWithoutAnAttemptAndPausesItsKey(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind, concurrency: 1)
        let limited = try await h.enqueue("rate_limited", seconds: 3600) { $0.concurrencyKey = "api-x" }
        let snoozed = try await h.wait(for: limited.id, .scheduled)
        #expect(snoozed.attempt == 0, "a rate limit spends no attempt")
        #expect(snoozed.errors.isEmpty)
        let paused = try await h.store.pausedKeys(queue: "default", now: h.clock.now())
        #expect(paused.map { ConcurrencyKey.shown($0.key) } == ["api-x"])
        // Another job of the paused key waits; one of another key runs.
        let sameKey = try await h.enqueue("ok") { $0.concurrencyKey = "api-x" }
        let otherKey = try await h.enqueue("ok") { $0.concurrencyKey = "api-y" }
        try await h.wait(for: otherKey.id, .succeeded)
        #expect(try await h.job(sameKey.id).state == .queued)
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func failuresOfATrackedTypeOpenItsBreaker(kind: StoreKind) async throws {
        let policy = CircuitBreakerPolicy(threshold: 3, cooldownSeconds: 3600)
        let h = try await EngineHarness.start(kind: kind, concurrency: 1, circuitBreaker: policy)
        var failing: [String] = []
        for _ in 0..<3 {
            failing.append(try await h.enqueue("fail") { $0.concurrencyKey = "site-a" }.id)
        }
        for id in failing { try await h.wait(for: id, .failed) }
        try await waitUntil(timeout: .seconds(10), "the breaker to open") {
            try await h.store.circuits(state: .open, limit: 10).count == 1
        }
        let circuit = try #require(try await h.store.circuits(state: .open, limit: 10).first)
        #expect(circuit.type == ScriptJob.type && circuit.shown.key == "site-a" && circuit.failures == 3)
        let waiting = try await h.enqueue("ok") { $0.concurrencyKey = "site-a" }
        let healthy = try await h.enqueue("ok") { $0.concurrencyKey = "site-b" }
        try await h.wait(for: healthy.id, .succeeded)
        #expect(try await h.job(waiting.id).state == .queued, "the open key's new job waits")
        try await h.stop()
    }
}
