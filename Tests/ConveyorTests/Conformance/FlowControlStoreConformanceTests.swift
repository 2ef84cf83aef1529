import ConveyorCore
import Foundation
import Testing

/// Flow control in the claim and completion transactions, run once per driver with
/// explicit times: pausing, caps, fairness, rate buckets, breakers and key pauses.
@Suite("Flow control conformance")
struct FlowControlConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ at: Date) -> Date { at.addingTimeInterval(30) }

    func job(_ key: String, type: String = "test", queue: String = "default", priority: Int = 0, at: Date? = nil) -> NewJob {
        var job = NewJob.test(type: type, queue: queue, priority: priority, at: at ?? t0)
        job.concurrencyKey = key
        return job
    }

    func claim(_ store: any StoreDriver, _ limit: Int, at: Date? = nil, queue: String = "default") async throws -> [ClaimedJob] {
        let now = at ?? t0
        return try await store.claimJobs(queue: queue, limit: limit, owner: owner, leaseUntil: lease(now), now: now)
    }

    func succeed(_ store: any StoreDriver, _ jobs: [ClaimedJob], at: Date? = nil, circuit: CircuitBreakerPolicy? = nil) async throws {
        try await store.completeJobs(
            jobs.map { job in
                JobOutcome(
                    lease: job.lease, owner: owner, kind: .succeeded(result: nil), finishedAt: at ?? t0,
                    circuit: circuit.map { tally(job, $0) })
            })
    }

    func tally(_ job: ClaimedJob, _ policy: CircuitBreakerPolicy) -> CircuitTally {
        CircuitTally(type: job.type, key: job.concurrencyKey, queue: job.queue, tenant: job.tenant, policy: policy)
    }

    func fail(_ store: any StoreDriver, _ jobs: [ClaimedJob], at: Date, policy: CircuitBreakerPolicy) async throws {
        try await store.completeJobs(
            jobs.map { job in
                let error = AttemptError(attempt: job.attempt, message: "upstream down", type: "Boom", at: at)
                return JobOutcome(
                    lease: job.lease, owner: owner, kind: .retry(at: at.addingTimeInterval(3600), error: error),
                    finishedAt: at, circuit: tally(job, policy))
            })
    }

    func keys(_ jobs: [ClaimedJob]) -> [String: Int] {
        jobs.reduce(into: [:]) { $0[ConcurrencyKey.shown($1.concurrencyKey), default: 0] += 1 }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrencyKeyDefaultsToTheTenantAndRoundTrips(kind: StoreKind) async throws {
        let store = try await kind.make()
        var keyed = job("org-7")
        keyed.tenant = "acme"
        let inserted = try await store.insertJobs([.test(at: t0, tenant: "acme"), keyed]).map(\.job)
        #expect(inserted.map { ConcurrencyKey.shown($0.concurrencyKey) } == ["acme", "org-7"])
        #expect(try await store.job(id: inserted[1].id)?.concurrencyKey == "org-7")
        let claimed = try await claim(store, 2)
        #expect(Set(claimed.map { ConcurrencyKey.shown($0.concurrencyKey) }) == ["acme", "org-7"])
    }

    @Test(arguments: StoreKind.allCases)
    func aPausedQueueAcceptsJobsButClaimsNone(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.setQueuePaused(queue: "default", paused: true, now: t0))
        #expect(try await store.setQueuePaused(queue: "default", paused: true, now: t0) == false, "already paused")
        _ = try await store.insertJobs([job("a"), job("b")])
        _ = try await store.insertJobs([job("a", queue: "other")])
        #expect(try await claim(store, 10).isEmpty)
        #expect(try await claim(store, 10, queue: "other").count == 1, "other queues run on")
        #expect(try await store.queueSettings(queue: "default")?.paused == true)
        // Settings written later keep the pause.
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 5), queue: "default", now: t0)
        #expect(try await claim(store, 10).isEmpty)
        #expect(try await store.setQueuePaused(queue: "default", paused: false, now: t0))
        #expect(try await claim(store, 10).count == 2)
        let events = try await store.readEvents(EventQuery(after: 0, limit: 100)).events.map(\.type)
            .filter { $0.hasPrefix("queue.") }
        #expect(events == [LogEvent.queuePaused, LogEvent.queueResumed], "one event per change")
    }

    @Test(arguments: StoreKind.allCases)
    func theQueueLimitCountsRunningJobsOfEveryWorker(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 3), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<10).map { _ in job("a") })
        let first = try await claim(store, 2)
        let second = try await store.claimJobs(queue: "default", limit: 10, owner: "worker-b", leaseUntil: lease(t0), now: t0)
        #expect(first.count == 2 && second.count == 1)
        #expect(try await claim(store, 10).isEmpty)
        try await succeed(store, [first[0]])
        #expect(try await claim(store, 10).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func theKeyLimitCapsEachKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(keyConcurrencyLimit: 2), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<5).map { _ in job("a") } + (0..<5).map { _ in job("b") } + [job("c")])
        let claimed = try await claim(store, 10)
        #expect(keys(claimed) == ["a": 2, "b": 2, "c": 1])
        #expect(try await claim(store, 10).isEmpty)
        try await succeed(store, claimed.filter { ConcurrencyKey.shown($0.concurrencyKey) == "a" })
        #expect(keys(try await claim(store, 10)) == ["a": 2])
    }

    @Test(arguments: StoreKind.allCases)
    func aSmallKeyIsServedBesideALargeBacklog(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(fair: true), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<200).map { _ in job("big") })
        _ = try await store.insertJobs((0..<4).map { _ in job("small", at: t0.addingTimeInterval(1)) })
        // Oldest-first would give ten of "big"; round robin shares the ten slots.
        let claimed = try await claim(store, 10)
        #expect(keys(claimed) == ["big": 6, "small": 4])
    }

    @Test(arguments: StoreKind.allCases)
    func roundRobinMovesOnAcrossManyKeys(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(fair: true), queue: "default", now: t0)
        let names = (0..<30).map { String(format: "k%02d", $0) }
        _ = try await store.insertJobs(names.flatMap { [job($0), job($0)] })
        var seen: [String] = []
        for _ in 0..<3 { seen += try await claim(store, 10).map { ConcurrencyKey.shown($0.concurrencyKey) } }
        #expect(seen.count == 30)
        #expect(Set(seen) == Set(names), "three claims of ten reach all thirty keys once each")
        // The fourth claim starts over: every key still has one job.
        #expect(Set(try await claim(store, 10).map { ConcurrencyKey.shown($0.concurrencyKey) }) == Set(names.prefix(10)))
    }

    @Test(arguments: StoreKind.allCases)
    func theQueueRateLimitIsATokenBucket(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(
            QueueSettings(rateLimit: RateLimit(count: 5, periodSeconds: 60)), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<20).map { _ in job("a") })
        #expect(try await claim(store, 10).count == 5, "a full bucket holds one period's worth")
        #expect(try await claim(store, 10).isEmpty)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(11)).isEmpty, "under one token refilled")
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(12)).count == 1)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(600)).count == 5, "never more than full")
    }

    @Test(arguments: StoreKind.allCases)
    func theKeyRateLimitIsABucketPerKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(
            QueueSettings(keyRateLimit: RateLimit(count: 2, periodSeconds: 60)), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<5).map { _ in job("a") } + (0..<5).map { _ in job("b") })
        #expect(keys(try await claim(store, 10)) == ["a": 2, "b": 2])
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(29)).isEmpty)
        #expect(keys(try await claim(store, 10, at: t0.addingTimeInterval(30))) == ["a": 1, "b": 1])
    }

    @Test(arguments: StoreKind.allCases)
    func aBreakerOpensAtItsThresholdThenLetsOneProbeThrough(kind: StoreKind) async throws {
        let store = try await kind.make()
        let policy = CircuitBreakerPolicy(threshold: 2, cooldownSeconds: 60)
        _ = try await store.insertJobs([job("site-a", type: "scrape"), job("site-a", type: "scrape")])
        let failing = try await claim(store, 2)
        try await fail(store, [failing[0]], at: t0.addingTimeInterval(1), policy: policy)
        #expect(try await store.circuits(state: nil, limit: 10).first?.state == .closed)
        try await fail(store, [failing[1]], at: t0.addingTimeInterval(2), policy: policy)
        let open = try #require(try await store.circuits(state: .open, limit: 10).first)
        #expect(open.type == "scrape" && open.shown.key == "site-a" && open.failures == 2 && open.lastError == "upstream down")
        #expect(open.retryAt == t0.addingTimeInterval(62))

        // New jobs of the open key wait; other keys and other types of the key run.
        _ = try await store.insertJobs(
            [job("site-a", type: "scrape"), job("site-a", type: "scrape"), job("site-b", type: "scrape"), job("site-a", type: "other")])
        let during = try await claim(store, 10, at: t0.addingTimeInterval(10))
        #expect(Set(during.map { "\($0.type)/\(ConcurrencyKey.shown($0.concurrencyKey))" }) == ["scrape/site-b", "other/site-a"])
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(61)).isEmpty, "cooling down")

        // After the cool-down exactly one probe runs; its success closes the breaker.
        let probe = try await claim(store, 10, at: t0.addingTimeInterval(62))
        #expect(probe.count == 1)
        #expect(try await store.circuits(state: .halfOpen, limit: 10).first?.probeJobID == probe.first?.id)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(63)).isEmpty, "one probe at a time")
        try await succeed(store, probe, at: t0.addingTimeInterval(64), circuit: policy)
        #expect(try await store.circuits(state: nil, limit: 10).first?.state == .closed)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(65)).count == 1, "the key runs again")

        let types = try await store.readEvents(EventQuery(after: 0, limit: 100)).events.map(\.type).filter { $0.hasPrefix("circuit.") }
        #expect(types == [LogEvent.circuitOpened, LogEvent.circuitClosed])
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedProbeOpensTheBreakerAgain(kind: StoreKind) async throws {
        let store = try await kind.make()
        let policy = CircuitBreakerPolicy(threshold: 1, cooldownSeconds: 30)
        _ = try await store.insertJobs([job("k", type: "scrape"), job("k", type: "scrape"), job("k", type: "scrape")])
        try await fail(store, try await claim(store, 1), at: t0, policy: policy)
        let probe = try await claim(store, 10, at: t0.addingTimeInterval(30))
        #expect(probe.count == 1)
        try await fail(store, probe, at: t0.addingTimeInterval(31), policy: policy)
        let reopened = try #require(try await store.circuits(state: .open, limit: 10).first)
        #expect(reopened.retryAt == t0.addingTimeInterval(61) && reopened.probeJobID == nil)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(60)).isEmpty)

        // An operator's reset closes it at once and says so in the log.
        let reset = try await store.resetCircuits(key: ConcurrencyKey.stored(tenant: "default", key: "k"), type: nil, now: t0.addingTimeInterval(40))
        #expect(reset.map(\.state) == [.closed])
        #expect(try await store.resetCircuits(key: "nope", type: nil, now: t0).isEmpty)
        #expect(try await claim(store, 10, at: t0.addingTimeInterval(41)).count == 1)
        let types = try await store.readEvents(EventQuery(after: 0, limit: 100)).events.map(\.type).filter { $0.hasPrefix("circuit.") }
        #expect(types == [LogEvent.circuitOpened, LogEvent.circuitOpened, LogEvent.circuitClosed])
    }

    @Test(arguments: StoreKind.allCases)
    func aHandlerCanPauseItsKeyWithoutSpendingAnAttempt(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([job("api-x", priority: 1), job("api-x"), job("api-y")])
        let first = try await claim(store, 1)
        #expect(first.map { ConcurrencyKey.shown($0.concurrencyKey) } == ["api-x"])
        let until = t0.addingTimeInterval(120)
        try await store.completeJobs([
            JobOutcome(lease: first[0].lease, owner: owner, kind: .snoozed(until: until), finishedAt: t0, pauseKeyUntil: until)
        ])
        let snoozed = try #require(try await store.job(id: first[0].id))
        #expect(snoozed.state == .scheduled && snoozed.attempt == 0 && snoozed.runAt == until)
        #expect(try await store.pausedKeys(queue: "default", now: t0).map { ConcurrencyKey.shown($0.key) } == ["api-x"])
        #expect(keys(try await claim(store, 10, at: t0.addingTimeInterval(1))) == ["api-y": 1], "api-x waits")
        #expect(keys(try await claim(store, 10, at: until)) == ["api-x": 1], "and runs when the pause ends")
    }
}
