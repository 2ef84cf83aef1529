import ConveyorCore
import Foundation
import Testing

/// The event log's contract, run once per driver: every state change appends its event
/// in the same transaction, and readers page through the log in order.
@Suite("Event log conformance")
struct EventLogConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ seconds: Double = 30) -> Date { t0.addingTimeInterval(seconds) }

    func events(_ store: any StoreDriver, after: Int64 = 0, key: String? = nil) async throws -> [LogEvent] {
        try await store.readEvents(EventQuery(after: after, key: key, limit: 1000)).events
    }

    func types(_ store: any StoreDriver, key: String) async throws -> [String] {
        try await events(store, key: key).map(\.type)
    }

    @Test(arguments: StoreKind.allCases)
    func everyTransitionAppendsItsEvent(kind: StoreKind) async throws {
        let store = try await kind.make()
        var jobs = try await store.insertJobs((0..<4).map { _ in .test(at: t0) }).map(\.job)
        let claimed = try await store.claimJobs(queue: "default", limit: 4, owner: owner, leaseUntil: lease(), now: t0)
        #expect(claimed.count == 4)
        jobs += try await store.insertJobs([.test(at: t0)]).map(\.job)
        let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
        let (a, b, c, d) = (byID[jobs[0].id]!, byID[jobs[1].id]!, byID[jobs[2].id]!, byID[jobs[3].id]!)
        let t1 = t0.addingTimeInterval(1)
        let error = AttemptError(attempt: 1, message: "boom", type: "test", at: t1)
        try await store.completeJobs([
            JobOutcome(lease: a.lease, owner: owner, kind: .succeeded(result: ["ok": true]), finishedAt: t1),
            JobOutcome(lease: b.lease, owner: owner, kind: .retry(at: t0.addingTimeInterval(60), error: error), finishedAt: t1),
            JobOutcome(lease: c.lease, owner: owner, kind: .failed(error: error), finishedAt: t1),
            JobOutcome(lease: d.lease, owner: owner, kind: .cancelled(reason: "asked"), finishedAt: t1),
        ])
        _ = try await store.cancelJob(id: jobs[4].id, now: t1)

        #expect(try await types(store, key: jobs[0].id) == ["job.submitted", "job.started", "job.succeeded"])
        #expect(try await types(store, key: jobs[1].id) == ["job.submitted", "job.started", "job.retrying"])
        #expect(try await types(store, key: jobs[2].id) == ["job.submitted", "job.started", "job.failed"])
        #expect(try await types(store, key: jobs[3].id) == ["job.submitted", "job.started", "job.cancelled"])
        #expect(try await types(store, key: jobs[4].id) == ["job.submitted", "job.cancelled"])

        // Each event carries the job as GET /v1/jobs/{id} shows it right after the change.
        for job in jobs {
            let all = try await events(store, key: job.id)
            let stored = try #require(try await store.job(id: job.id))
            // The same bytes GET /v1/jobs/{id} answers right after the change.
            #expect(try all.last.map { try ConveyorJSON.encode($0.data) } == ConveyorJSON.encode(stored), "\(job.id)")
            #expect(try all.first?.job() == job, "the submitted event holds the job as inserted")
            #expect(all.allSatisfy { $0.topic == $0.type && $0.key == job.id && $0.tenant == job.tenant })
        }
        let started = try #require(try await events(store, key: jobs[0].id).dropFirst().first?.job())
        #expect(started.state == .running && started.attempt == 1 && started.leaseOwner == owner)
        #expect(started.startedAt == t0 && started.leaseExpiresAt == lease())
    }

    /// A job event's `data` is built by the one builder of a job's JSON, `Job`'s Codable:
    /// it is exactly the job as `job(id:)` read it right after the change, for every
    /// transition and with every optional field set. The columns that change come from the
    /// event, so later changes to the job leave the events already written as they were.
    @Test(arguments: StoreKind.allCases)
    func eachJobEventIsTheJobAsReadRightAfterItsChange(kind: StoreKind) async throws {
        let store = try await kind.make()
        var expected: [String: [JSONValue]] = [:]
        func read(_ id: String) async throws {
            let job = try #require(try await store.job(id: id))
            expected[id, default: []].append(try ConveyorJSON.value(of: job))
        }
        func claim(_ queue: String, now: Date) async throws -> ClaimedJob {
            try #require(try await store.claimJobs(queue: queue, limit: 1, owner: owner, leaseUntil: now + 30, now: now).first)
        }
        func logged() async throws -> [String: [JSONValue]] {
            var data: [String: [JSONValue]] = [:]
            for id in expected.keys { data[id] = try await events(store, key: id).map(\.data) }
            return data
        }

        let plain = NewJob.test(at: t0)
        let full = NewJob(
            type: "full", queue: "full", priority: 7,
            payload: ["text": "é \u{1F}\"quoted\"", "n": 1.25, "big": 12_345_678_901, "list": [true, .null, ["k": "v"]]],
            runAt: t0, maxAttempts: 5, backoff: .list(seconds: [1.5, 30]), timeoutSeconds: 12.5, idempotencyKey: "idem-1",
            tags: ["b", "a"], tenant: "acme", metadata: ["trace": ["id": "t-1", "sampled": true]], createdAt: t0,
            workflowID: "wf-1", step: "resize", rerunOf: "job-earlier", createdBy: "key:k1", concurrencyKey: "customer-7",
            unique: UniqueOptions(key: "u-1"))
        let cancelled = NewJob.test(queue: "idle", at: t0, tags: ["x"])
        _ = try await store.insertJobs([plain, full, cancelled])
        for id in [plain.id, full.id, cancelled.id] { try await read(id) }

        // submitted → running → retrying → running → succeeded.
        let first = try await claim("default", now: t0)
        try await read(plain.id)
        let t1 = t0 + 1
        let error = AttemptError(attempt: 1, message: "boom \"1\"", type: "test", at: t1)
        try await store.completeJobs([
            JobOutcome(lease: first.lease, owner: owner, kind: .retry(at: t0 + 60, error: error), finishedAt: t1)
        ])
        try await read(plain.id)
        _ = try await store.stageDueJobs(now: t0 + 60, limit: 10)
        let second = try await claim("default", now: t0 + 60)
        try await read(plain.id)
        try await store.completeJobs([
            JobOutcome(
                lease: second.lease, owner: owner, kind: .succeeded(result: ["ok": true, "n": 2, "at": "x"]),
                finishedAt: t0 + 61)
        ])
        try await read(plain.id)

        // Every field set: started, metadata merged while it runs, then failed for good.
        let running = try await claim("full", now: t0)
        try await read(full.id)
        _ = try await store.mergeMetadata(id: full.id, patch: ["progress": 0.5])
        try await store.completeJobs([
            JobOutcome(lease: running.lease, owner: owner, kind: .failed(error: error), finishedAt: t1)
        ])
        try await read(full.id)

        _ = try await store.cancelJob(id: cancelled.id, now: t1)
        try await read(cancelled.id)

        let written = try await logged()
        #expect(written[plain.id]?.count == 5 && written[full.id]?.count == 3 && written[cancelled.id]?.count == 2)
        for (id, data) in expected {
            #expect(written[id] == data, "\(id)")
        }

        // Later changes to the jobs do not reach the events already written.
        _ = try await store.mergeMetadata(id: plain.id, patch: ["later": true])
        _ = try await store.retryJob(id: full.id, now: t0 + 120)
        _ = try await store.mergeMetadata(id: cancelled.id, patch: ["later": true])
        #expect(try await store.job(id: full.id)?.state == .queued)
        #expect(try await logged() == expected)
    }

    @Test(arguments: StoreKind.allCases)
    func movesBackToWaitingAppendNothing(kind: StoreKind) async throws {
        let store = try await kind.make()
        let jobs = try await store.insertJobs((0..<4).map { _ in .test(at: t0, maxAttempts: 1) }).map(\.job)
        let claimed = try await store.claimJobs(queue: "default", limit: 2, owner: owner, leaseUntil: lease(), now: t0)
        try await store.completeJobs([
            JobOutcome(lease: claimed[0].lease, owner: owner, kind: .snoozed(until: lease(60)), finishedAt: t0),
            JobOutcome(lease: claimed[1].lease, owner: owner, kind: .released, finishedAt: t0),
        ])
        for job in claimed {
            #expect(try await types(store, key: job.id) == ["job.submitted", "job.started"])
        }
        // A repeated idempotency key creates nothing, so it appends nothing.
        let keyed = try await store.insertJobs([.test(at: t0, idempotencyKey: "k")])[0].job
        let repeated = try await store.insertJobs([.test(at: t0, idempotencyKey: "k")])
        #expect(repeated[0].created == false)
        #expect(try await types(store, key: keyed.id) == ["job.submitted"])
        _ = jobs
    }

    @Test(arguments: StoreKind.allCases)
    func leaseReaperAppendsOnlyFinalOutcomes(kind: StoreKind) async throws {
        let store = try await kind.make()
        let spent = try await store.insertJobs([.test(at: t0, maxAttempts: 1)])[0].job
        let retried = try await store.insertJobs([.test(at: t0, maxAttempts: 3)])[0].job
        _ = try await store.claimJobs(queue: "default", limit: 2, owner: owner, leaseUntil: lease(), now: t0)
        _ = try await store.rescueExpiredLeases(now: lease(31), limit: 10)
        #expect(try await types(store, key: spent.id) == ["job.submitted", "job.started", "job.failed"])
        #expect(try await types(store, key: retried.id) == ["job.submitted", "job.started"])
        let failed = try #require(try await events(store, key: spent.id).last?.job())
        #expect(failed.errors.last?.type == "lease_expired")
    }

    @Test(arguments: StoreKind.allCases)
    func aRolledBackChangeAppendsNothing(kind: StoreKind) async throws {
        let store = try await kind.make()
        let job = NewJob.test(at: t0)
        // The second row's id conflicts, which is not an idempotency key: the batch is undone.
        await #expect(throws: ConveyorError.self) { try await store.insertJobs([.test(at: t0), job, job]) }
        #expect(try await events(store).isEmpty)
        #expect(try await store.listJobs(JobQuery()).jobs.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func readsInOrderPageByPageWithFilters(kind: StoreKind) async throws {
        let store = try await kind.make()
        // One insert each: within one batch, PostgreSQL orders the events by job id.
        var jobs: [Job] = []
        for job in [NewJob.test(at: t0), .test(at: t0, tenant: "acme"), .test(at: t0), .test(at: t0, tenant: "acme")] {
            jobs += try await store.insertJobs([job]).map(\.job)
        }
        _ = try await store.cancelJob(id: jobs[1].id, now: t0)
        let all = try await events(store)
        #expect(all.count == 5)
        #expect(all.map(\.id) == all.map(\.id).sorted() && Set(all.map(\.id)).count == 5)

        var after: Int64 = 0
        var paged: [LogEvent] = []
        while true {
            let page = try await store.readEvents(EventQuery(after: after, limit: 2))
            paged += page.events
            #expect(page.nextAfter >= after)
            if page.events.isEmpty { break }
            after = page.nextAfter
        }
        #expect(paged == all)

        let acme = try await store.readEvents(EventQuery(after: 0, tenant: "acme", limit: 10))
        #expect(acme.events.map { $0.key } == [jobs[1].id, jobs[3].id, jobs[1].id])
        // Fewer than the limit matched: the reader may skip to the head.
        #expect(acme.nextAfter == all.last!.id)
        let cancelled = try await store.readEvents(EventQuery(after: 0, topic: try TopicFilter("job.cancelled"), limit: 10))
        #expect(cancelled.events.map { $0.key } == [jobs[1].id])
        let prefix = try await store.readEvents(EventQuery(after: 0, topic: try TopicFilter("job.*"), limit: 10))
        #expect(prefix.events == all)
        let none = try await store.readEvents(EventQuery(after: 0, topic: try TopicFilter("entry.*"), limit: 10))
        #expect(none.events.isEmpty)
        let byKey = try await store.readEvents(EventQuery(after: 0, key: jobs[2].id, limit: 10))
        #expect(byKey.events.map { $0.type } == ["job.submitted"])
        let fromMiddle = try await store.readEvents(EventQuery(after: all[2].id, limit: 10))
        #expect(fromMiddle.events == Array(all[3...]))
    }

    @Test(arguments: StoreKind.allCases)
    func pruningKeepsIdsAndReportsReadersLeftBehind(kind: StoreKind) async throws {
        let store = try await kind.make()
        let conveyor = Conveyor(store: store, registry: JobRegistry())
        _ = try await store.insertJobs((0..<3).map { _ in .test(at: t0) })
        let before = try await events(store)
        // Nothing is older than an hour ago.
        #expect(try await store.pruneEvents(before: Date().addingTimeInterval(-3600), limit: 100) == 0)
        #expect(try await store.pruneEvents(before: Date().addingTimeInterval(60), limit: 2) == 2)
        let page = try await store.readEvents(EventQuery(after: 0, limit: 10))
        #expect(page.prunedThrough == before[1].id)
        #expect(page.events == [before[2]])

        // A reader that had read event 1 missed event 2: 410, with where to resume.
        await #expect(throws: EventLogGone(after: before[0].id, oldestAvailable: before[1].id + 1)) {
            _ = try await conveyor.readEvents(EventQuery(after: before[0].id))
        }
        // A reader that is caught up, or starts from the oldest retained, is fine.
        #expect(try await conveyor.readEvents(EventQuery(after: before[1].id)).events == [before[2]])
        #expect(try await conveyor.readEvents(EventQuery()).events == [before[2]])

        // Ids are never reused, even once everything old is pruned (a store may keep the
        // newest event to guarantee that).
        #expect(try await store.pruneEvents(before: Date().addingTimeInterval(60), limit: 100) <= 1)
        _ = try await store.insertJobs([.test(at: t0)])
        let fresh = try await events(store, after: before[2].id)
        #expect(fresh.count == 1 && fresh[0].id > before[2].id)
    }
}
