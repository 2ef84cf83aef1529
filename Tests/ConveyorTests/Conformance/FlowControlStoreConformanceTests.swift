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

    // MARK: allQueueSettings

    @Test(arguments: StoreKind.allCases)
    func allQueueSettingsListsEveryQueueWithStoredSettings(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.allQueueSettings().isEmpty)
        let full = QueueSettings(
            fair: true, concurrencyLimit: 4, keyConcurrencyLimit: 2, rateLimit: RateLimit(count: 10, periodSeconds: 1.5),
            keyRateLimit: RateLimit(count: 3, periodSeconds: 60))
        try await store.setQueueSettings(full, queue: "emails", now: t0)
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 1), queue: "reports", now: t0)
        #expect(try await store.setQueuePaused(queue: "paused-only", paused: true, now: t0))
        _ = try await store.insertJobs([job("a", queue: "jobs-only")])
        let all = try await store.allQueueSettings()
        #expect(Set(all.keys) == ["emails", "reports", "paused-only"], "a queue with jobs but no settings is not listed")
        #expect(all["emails"] == full, "every field round-trips")
        #expect(all["reports"] == QueueSettings(concurrencyLimit: 1))
        #expect(all["paused-only"]?.paused == true && all["paused-only"]?.needsFairClaim == false)
        #expect(try await store.queueSettings(queue: "emails") == full)
        #expect(try await store.queueSettings(queue: "jobs-only") == nil)
        // Replacing settings replaces every limit (a nil clears one) and keeps the pause.
        try await store.setQueueSettings(QueueSettings(fair: true), queue: "paused-only", now: t0)
        try await store.setQueueSettings(QueueSettings(), queue: "emails", now: t0)
        let after = try await store.allQueueSettings()
        #expect(after["paused-only"] == QueueSettings(paused: true, fair: true))
        #expect(after["emails"] == QueueSettings())
    }

    // MARK: setQueuePaused

    @Test(arguments: StoreKind.allCases)
    func setQueuePausedAppendsOneEventPerChangeAndKeepsSettings(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.setQueuePaused(queue: "q", paused: false, now: t0) == false, "an unknown queue is not paused")
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 3), queue: "q", now: t0)
        #expect(try await store.setQueuePaused(queue: "q", paused: true, now: t0 + 1))
        #expect(try await store.queueSettings(queue: "q") == QueueSettings(paused: true, concurrencyLimit: 3))
        #expect(try await store.setQueuePaused(queue: "q", paused: false, now: t0 + 2))
        #expect(try await store.setQueuePaused(queue: "q", paused: false, now: t0 + 3) == false)
        let events = try await store.readEvents(EventQuery(after: 0, limit: 100)).events
        #expect(events.map(\.type) == [LogEvent.queuePaused, LogEvent.queueResumed])
        #expect(events.map(\.key) == ["q", "q"])
        #expect(try await store.queueSettings(queue: "q") == QueueSettings(concurrencyLimit: 3))
    }

    // MARK: runningByKey

    @Test(arguments: StoreKind.allCases)
    func runningByKeyCountsRunningJobsBusiestFirst(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.runningByKey(queue: "default", limit: 10).isEmpty)
        _ = try await store.insertJobs(
            (0..<3).map { _ in job("a") } + (0..<2).map { _ in job("b") } + [job("c"), job("z", queue: "other")])
        var waiting = job("waiting")
        waiting.runAt = t0 + 60
        _ = try await store.insertJobs([waiting])
        let claimed = try await claim(store, 10)
        _ = try await claim(store, 10, queue: "other")
        let running = try await store.runningByKey(queue: "default", limit: 10)
        #expect(running.map { ConcurrencyKey.shown($0.key) } == ["a", "b", "c"])
        #expect(running.map(\.count) == [3, 2, 1])
        #expect(running.allSatisfy { $0.tenant == nil }, "stores leave the tenant to the answer")
        #expect(try await store.runningByKey(queue: "default", limit: 1).map { ConcurrencyKey.shown($0.key) } == ["a"])
        // Finished jobs no longer count.
        try await succeed(store, claimed.filter { ConcurrencyKey.shown($0.concurrencyKey) == "a" })
        #expect(try await store.runningByKey(queue: "default", limit: 10).map { ConcurrencyKey.shown($0.key) } == ["b", "c"])
    }

    // MARK: finishedCounts

    @Test(arguments: StoreKind.allCases)
    func finishedCountsCountsSucceededAndFailedSince(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.finishedCounts(queue: "default", since: t0, createdAfter: t0 - 3600) == FinishedCounts(succeeded: 0, failed: 0))
        let old = try await store.insertJobs([job("a", at: t0 - 7200)])[0].job
        _ = try await store.insertJobs((0..<5).map { _ in job("a") } + [job("a", queue: "other")])
        let claimed = try await claim(store, 10, at: t0 + 1)
        #expect(claimed.count == 6)
        _ = try await claim(store, 10, at: t0 + 1, queue: "other")
        let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
        let others = claimed.filter { $0.id != old.id }
        let policy = CircuitBreakerPolicy(threshold: 100, cooldownSeconds: 1)
        try await succeed(store, [byID[old.id]!], at: t0 + 10)
        try await succeed(store, [others[0]], at: t0 + 5)
        try await succeed(store, [others[1], others[2]], at: t0 + 10)
        try await store.completeJobs([
            JobOutcome(
                lease: others[3].lease, owner: owner, kind: .failed(error: AttemptError(attempt: 1, message: "x", type: "X", at: t0)),
                finishedAt: t0 + 10)
        ])
        try await fail(store, [others[4]], at: t0 + 10, policy: policy)  // retrying: not finished
        let counts = try await store.finishedCounts(queue: "default", since: t0 + 10, createdAfter: t0 - 3600)
        #expect(counts == FinishedCounts(succeeded: 2, failed: 1), "finished at or after since; the old job was created before the bound")
        #expect(try await store.finishedCounts(queue: "default", since: t0, createdAfter: t0 - 3600) == FinishedCounts(succeeded: 3, failed: 1))
        #expect(try await store.finishedCounts(queue: "default", since: t0, createdAfter: t0 - 86400) == FinishedCounts(succeeded: 4, failed: 1))
        #expect(try await store.finishedCounts(queue: "other", since: t0, createdAfter: t0 - 3600) == FinishedCounts(succeeded: 0, failed: 0))
    }

    // MARK: circuits

    @Test(arguments: StoreKind.allCases)
    func circuitsListsBreakersNotClosedFirstAndResetsByType(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.circuits(state: nil, limit: 10).isEmpty)
        let policy = CircuitBreakerPolicy(threshold: 1, cooldownSeconds: 60)
        _ = try await store.insertJobs([job("k", type: "scrape"), job("k", type: "fetch"), job("j", type: "scrape")])
        let claimed = try await claim(store, 3)
        let succeeded = try #require(claimed.first { ConcurrencyKey.shown($0.concurrencyKey) == "j" })
        try await succeed(store, [succeeded], circuit: policy)
        #expect(try await store.circuits(state: nil, limit: 10).isEmpty, "a success on a key without a breaker makes none")
        try await fail(store, claimed.filter { $0.id != succeeded.id }, at: t0 + 1, policy: policy)
        #expect(Set(try await store.circuits(state: nil, limit: 10).map(\.type)) == ["scrape", "fetch"])
        #expect(Set(try await store.circuits(state: .open, limit: 10).map(\.type)) == ["scrape", "fetch"])
        #expect(try await store.circuits(state: .open, limit: 1).count == 1)
        #expect(try await store.circuits(state: .halfOpen, limit: 10).isEmpty)

        // Resetting one type of the key leaves the other open; resetting again does nothing.
        let key = ConcurrencyKey.stored(tenant: "default", key: "k")
        let reset = try await store.resetCircuits(key: key, type: "scrape", now: t0 + 2)
        #expect(reset.map(\.type) == ["scrape"] && reset.map(\.state) == [.closed])
        #expect(try await store.circuits(state: .open, limit: 10).map(\.type) == ["fetch"])
        #expect(try await store.circuits(state: nil, limit: 10).map(\.state) == [.open, .closed], "breakers not closed come first")
        #expect(try await store.circuits(state: .closed, limit: 10).map(\.type) == ["scrape"])
        let closedEvents = { try await store.readEvents(EventQuery(after: 0, limit: 100)).events.filter { $0.type == LogEvent.circuitClosed } }
        #expect(try await closedEvents().count == 1)
        _ = try await store.resetCircuits(key: key, type: "scrape", now: t0 + 3)
        #expect(try await closedEvents().count == 1, "no event for a breaker that was closed")
    }
}
