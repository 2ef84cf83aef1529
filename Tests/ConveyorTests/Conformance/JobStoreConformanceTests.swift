import ConveyorCore
import Foundation
import Testing

/// One suite for every store: each behaviour of the `JobStore` contract, run once per driver.
@Suite("JobStore conformance")
struct JobStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ seconds: Double = 30) -> Date { t0.addingTimeInterval(seconds) }

    @Test(arguments: StoreKind.allCases)
    func insertSetsInitialState(kind: StoreKind) async throws {
        let store = try await kind.make()
        let results = try await store.insertJobs([
            .test(at: t0), .test(runAt: t0.addingTimeInterval(60), at: t0),
        ])
        #expect(results.map(\.created) == [true, true])
        #expect(results[0].job.state == .queued)
        #expect(results[1].job.state == .scheduled)
        let stored = try #require(try await store.job(id: results[0].job.id))
        #expect(stored == results[0].job)
    }

    @Test(arguments: StoreKind.allCases)
    func claimOrdersByPriorityThenRunAtThenID(kind: StoreKind) async throws {
        let store = try await kind.make()
        let low = try await store.insertJobs([.test(priority: 0, runAt: t0.addingTimeInterval(-10), at: t0)])[0].job
        let high = try await store.insertJobs([.test(priority: 5, at: t0)])[0].job
        let older = try await store.insertJobs([.test(priority: 0, runAt: t0.addingTimeInterval(-20), at: t0)])[0].job
        _ = try await store.insertJobs([.test(queue: "other", priority: 99, at: t0)])
        var order: [String] = []
        for _ in 0..<3 {
            let claimed = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: lease(), now: t0)
            order += claimed.map(\.id)
        }
        #expect(order == [high.id, older.id, low.id])
        #expect(try await store.claimJobs(queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func claimMarksRunningUnderLease(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs((0..<5).map { _ in .test(at: t0) })
        let claimed = try await store.claimJobs(queue: "default", limit: 3, owner: owner, leaseUntil: lease(), now: t0)
        #expect(claimed.count == 3)
        #expect(claimed.allSatisfy { $0.attempt == 1 })
        let job = try #require(try await store.job(id: claimed[0].id))
        #expect(job.state == .running)
        #expect(job.leaseOwner == owner)
        #expect(job.leaseExpiresAt == lease())
        #expect(job.startedAt == t0)
        let rest = try await store.claimJobs(queue: "default", limit: 10, owner: "worker-b", leaseUntil: lease(), now: t0)
        #expect(rest.count == 2)
        #expect(Set(rest.map(\.id)).isDisjoint(with: claimed.map(\.id)))
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsNeverShareAJob(kind: StoreKind) async throws {
        let store = try await kind.make()
        let t0 = self.t0
        _ = try await store.insertJobs((0..<200).map { _ in .test(at: t0) })
        let batches = try await withThrowingTaskGroup(of: [String].self) { group in
            for w in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let got = try await store.claimJobs(
                            queue: "default", limit: 7, owner: "w\(w)", leaseUntil: t0.addingTimeInterval(30), now: t0)
                        if got.isEmpty { return mine }
                        mine += got.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(batches.count == 200)
        #expect(Set(batches).count == 200)
    }

    @Test(arguments: StoreKind.allCases)
    func completionWritesEachOutcome(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs((0..<6).map { _ in .test(at: t0) })
        let c = try await store.claimJobs(queue: "default", limit: 6, owner: owner, leaseUntil: lease(), now: t0)
        let t1 = t0.addingTimeInterval(2)
        let error = AttemptError(attempt: 1, message: "boom", type: "Boom", at: t1)
        func o(_ i: Int, _ kind: JobOutcome.Kind) -> JobOutcome {
            JobOutcome(lease: c[i].lease, owner: owner, kind: kind, finishedAt: t1)
        }
        let applied = try await store.completeJobs([
            o(0, .succeeded(result: ["ok": true])),
            o(1, .retry(at: t1.addingTimeInterval(60), error: error)),
            o(2, .failed(error: error)),
            o(3, .snoozed(until: t1.addingTimeInterval(30))),
            o(4, .cancelled(reason: "asked")),
            o(5, .released),
        ])
        #expect(applied == 6)
        let jobs = try await c.asyncMap { try #require(try await store.job(id: $0.id)) }
        #expect(jobs[0].state == .succeeded)
        #expect(jobs[0].result == ["ok": true])
        #expect(jobs[0].finishedAt == t1)
        #expect(jobs[1].state == .retrying)
        #expect(jobs[1].runAt == t1.addingTimeInterval(60))
        #expect(jobs[1].errors == [error])
        #expect(jobs[1].attempt == 1)
        #expect(jobs[2].state == .failed)
        #expect(jobs[2].errors == [error])
        #expect(jobs[3].state == .scheduled)
        #expect(jobs[3].attempt == 0, "a snooze spends no attempt")
        #expect(jobs[4].state == .cancelled)
        #expect(jobs[5].state == .queued)
        #expect(jobs[5].attempt == 0, "a job handed back at shutdown spends no attempt")
        #expect(jobs.allSatisfy { $0.leaseOwner == nil && $0.leaseExpiresAt == nil })
    }

    @Test(arguments: StoreKind.allCases)
    func stagingMovesDueJobsOnly(kind: StoreKind) async throws {
        let store = try await kind.make()
        let soon = try await store.insertJobs([.test(runAt: t0.addingTimeInterval(10), at: t0)])[0].job
        let later = try await store.insertJobs([.test(queue: "q2", runAt: t0.addingTimeInterval(100), at: t0)])[0].job
        #expect(try await store.nextWaitingRunAt() == soon.runAt)
        #expect(try await store.stageDueJobs(now: t0.addingTimeInterval(5), limit: 100).isEmpty)
        #expect(try await store.stageDueJobs(now: t0.addingTimeInterval(10), limit: 100) == ["default"])
        #expect(try await store.job(id: soon.id)?.state == .queued)
        #expect(try await store.job(id: later.id)?.state == .scheduled)
        #expect(try await store.nextWaitingRunAt() == later.runAt)
    }

    @Test(arguments: StoreKind.allCases)
    func retryingJobsAreStagedWhenTheirBackoffPasses(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([.test(at: t0)])
        let c = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: lease(), now: t0)[0]
        let error = AttemptError(attempt: 1, message: "x", type: "X", at: t0)
        try await store.completeJobs([
            JobOutcome(lease: c.lease, owner: owner, kind: .retry(at: t0.addingTimeInterval(60), error: error), finishedAt: t0)
        ])
        #expect(try await store.stageDueJobs(now: t0.addingTimeInterval(59), limit: 10).isEmpty)
        #expect(try await store.stageDueJobs(now: t0.addingTimeInterval(60), limit: 10) == ["default"])
        let again = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: lease(90), now: t0.addingTimeInterval(60))
        #expect(again.map(\.attempt) == [2])
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeaseIsRescuedAndStaleTokenRejected(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([.test(at: t0, maxAttempts: 3)])
        let first = try await store.claimJobs(queue: "default", limit: 1, owner: "dead", leaseUntil: lease(30), now: t0)[0]

        #expect(try await store.rescueExpiredLeases(now: t0.addingTimeInterval(29), limit: 10).isEmpty, "lease still alive")
        #expect(try await store.rescueExpiredLeases(now: t0.addingTimeInterval(31), limit: 10) == ["default"])
        var job = try #require(try await store.job(id: first.id))
        #expect(job.state == .queued)
        #expect(job.errors.map(\.type) == ["lease_expired"])
        #expect(job.leaseOwner == nil)

        let second = try await store.claimJobs(queue: "default", limit: 1, owner: "alive", leaseUntil: lease(90), now: t0.addingTimeInterval(31))[0]
        #expect(second.attempt == 2)
        // The dead worker wakes up and reports: its fencing token (attempt 1) is stale.
        let stale = try await store.completeJobs([
            JobOutcome(lease: first.lease, owner: "dead", kind: .succeeded(result: "late"), finishedAt: t0.addingTimeInterval(32))
        ])
        #expect(stale == 0)
        #expect(try await store.extendLeases([first.lease], owner: "dead", until: lease(200)).lost == [first.lease])
        job = try #require(try await store.job(id: first.id))
        #expect(job.state == .running)
        #expect(job.leaseOwner == "alive")
        let fresh = try await store.completeJobs([
            JobOutcome(lease: second.lease, owner: "alive", kind: .succeeded(result: "ok"), finishedAt: t0.addingTimeInterval(33))
        ])
        #expect(fresh == 1)
        #expect(try await store.job(id: first.id)?.result == "ok")
    }

    @Test(arguments: StoreKind.allCases)
    func rescueFailsJobsWithNoAttemptsLeft(kind: StoreKind) async throws {
        let store = try await kind.make()
        let job = try await store.insertJobs([.test(at: t0, maxAttempts: 1)])[0].job
        _ = try await store.claimJobs(queue: "default", limit: 1, owner: "dead", leaseUntil: lease(30), now: t0)
        #expect(try await store.rescueExpiredLeases(now: lease(31), limit: 10).isEmpty)
        let failed = try #require(try await store.job(id: job.id))
        #expect(failed.state == .failed)
        #expect(failed.finishedAt == lease(31))
    }

    @Test(arguments: StoreKind.allCases)
    func heartbeatExtendsLeasesAndReportsCancelRequests(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([.test(at: t0), .test(at: t0)])
        let c = try await store.claimJobs(queue: "default", limit: 2, owner: owner, leaseUntil: lease(30), now: t0)
        guard case .requested = try await store.cancelJob(id: c[0].id, now: t0) else {
            Issue.record("a running job is cancelled by request")
            return
        }
        let report = try await store.extendLeases(c.map(\.lease), owner: owner, until: lease(60))
        #expect(report.cancelRequested == [c[0].lease])
        #expect(report.lost.isEmpty)
        #expect(try await store.job(id: c[1].id)?.leaseExpiresAt == lease(60))
        #expect(try await store.rescueExpiredLeases(now: lease(31), limit: 10).isEmpty, "heartbeat moved the lease")
    }

    @Test(arguments: StoreKind.allCases)
    func cancellingWaitingRunningAndFinishedJobs(kind: StoreKind) async throws {
        let store = try await kind.make()
        let queued = try await store.insertJobs([.test(at: t0)])[0].job
        let scheduled = try await store.insertJobs([.test(runAt: lease(100), at: t0)])[0].job
        guard case .cancelled(let a) = try await store.cancelJob(id: queued.id, now: t0),
            case .cancelled(let b) = try await store.cancelJob(id: scheduled.id, now: t0)
        else {
            Issue.record("waiting jobs cancel at once")
            return
        }
        #expect(a.state == .cancelled && b.state == .cancelled)
        #expect(a.finishedAt == t0)
        await #expect(throws: ConveyorError.self) { try await store.cancelJob(id: queued.id, now: t0) }
        await #expect(throws: ConveyorError.self) { try await store.cancelJob(id: "nope", now: t0) }

        // A running job whose lease expires while cancel is requested ends cancelled.
        let running = try await store.insertJobs([.test(at: t0)])[0].job
        _ = try await store.claimJobs(queue: "default", limit: 1, owner: "dead", leaseUntil: lease(30), now: t0)
        _ = try await store.cancelJob(id: running.id, now: t0)
        _ = try await store.rescueExpiredLeases(now: lease(31), limit: 10)
        #expect(try await store.job(id: running.id)?.state == .cancelled)
    }

    @Test(arguments: StoreKind.allCases)
    func retryRequeuesOnlyFailedOrCancelledJobs(kind: StoreKind) async throws {
        let store = try await kind.make()
        let job = try await store.insertJobs([.test(at: t0)])[0].job
        await #expect(throws: ConveyorError.self) { try await store.retryJob(id: job.id, now: t0) }
        _ = try await store.cancelJob(id: job.id, now: t0)
        let retried = try await store.retryJob(id: job.id, now: lease(5))
        #expect(retried.state == .queued)
        #expect(retried.attempt == 0)
        #expect(retried.finishedAt == nil)
        #expect(retried.runAt == lease(5))
    }

    @Test(arguments: StoreKind.allCases)
    func idempotencyKeyReturnsTheFirstJob(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([.test(at: t0, idempotencyKey: "k1")])[0]
        let again = try await store.insertJobs([.test(at: t0, idempotencyKey: "k1"), .test(at: t0, idempotencyKey: "k1", tenant: "other")])
        #expect(first.created)
        #expect(!again[0].created)
        #expect(again[0].job.id == first.job.id)
        #expect(again[1].created, "keys are scoped per tenant")
        let inOneBatch = try await store.insertJobs([.test(at: t0, idempotencyKey: "k2"), .test(at: t0, idempotencyKey: "k2")])
        #expect(inOneBatch.map(\.created) == [true, false])
        #expect(inOneBatch[0].job.id == inOneBatch[1].job.id)
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentDuplicateInsertsCreateOneJob(kind: StoreKind) async throws {
        let store = try await kind.make()
        let t0 = self.t0
        let results = try await withThrowingTaskGroup(of: InsertResult.self) { group in
            for _ in 0..<20 {
                group.addTask { try await store.insertJobs([.test(at: t0, idempotencyKey: "same")])[0] }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter(\.created).count == 1)
        #expect(Set(results.map(\.job.id)).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func listingFiltersAndPaginates(kind: StoreKind) async throws {
        let store = try await kind.make()
        var ids: [String] = []
        for i in 0..<7 {
            let job = NewJob.test(
                type: i % 2 == 0 ? "even" : "odd", queue: i < 5 ? "default" : "other", at: t0.addingTimeInterval(Double(i)),
                tenant: i == 0 ? "acme" : "default", tags: i == 3 ? ["vip", "x"] : [])
            ids.append(try await store.insertJobs([job])[0].job.id)
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.listJobs(JobQuery(limit: 3, cursor: cursor))
            seen += page.jobs.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == ids.reversed(), "newest first, each once")
        #expect(try await store.listJobs(JobQuery(queue: "other")).jobs.count == 2)
        #expect(try await store.listJobs(JobQuery(type: "even")).jobs.count == 4)
        #expect(try await store.listJobs(JobQuery(tenant: "acme")).jobs.map(\.id) == [ids[0]])
        #expect(try await store.listJobs(JobQuery(tag: "vip")).jobs.map(\.id) == [ids[3]])
        #expect(try await store.listJobs(JobQuery(state: .running)).jobs.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func metadataMergesAsAPatch(kind: StoreKind) async throws {
        let store = try await kind.make()
        var new = NewJob.test(at: t0)
        new.metadata = ["a": 1, "b": 2]
        let job = try await store.insertJobs([new])[0].job
        let merged = try await store.mergeMetadata(id: job.id, patch: ["b": nil, "c": "three"])
        #expect(merged.metadata == ["a": 1, "c": "three"])
        await #expect(throws: ConveyorError.self) { try await store.mergeMetadata(id: "missing", patch: [:]) }
    }

    @Test(arguments: StoreKind.allCases)
    func queueStatsCountEveryState(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs([.test(runAt: t0.addingTimeInterval(-30), at: t0), .test(at: t0), .test(runAt: lease(60), at: t0)])
        let stats = try #require(try await store.queueStats(now: t0).first { $0.queue == "default" })
        #expect(stats.counts["queued"] == 2)
        #expect(stats.counts["scheduled"] == 1)
        #expect(stats.counts["failed"] == 0)
        #expect(stats.oldestQueuedAgeSeconds == 30)
    }

    @Test(arguments: StoreKind.allCases)
    func prunerDeletesOnlyOldFinishedJobs(kind: StoreKind) async throws {
        let store = try await kind.make()
        let old = try await store.insertJobs([.test(at: t0)])[0].job
        let recent = try await store.insertJobs([.test(at: t0)])[0].job
        let waiting = try await store.insertJobs([.test(at: t0)])[0].job
        _ = try await store.cancelJob(id: old.id, now: t0)
        _ = try await store.cancelJob(id: recent.id, now: lease(100))
        let deleted = try await store.pruneJobs(succeededBefore: lease(50), failedBefore: lease(50), limit: 100)
        #expect(deleted == 1)
        #expect(try await store.job(id: old.id) == nil)
        #expect(try await store.job(id: recent.id) != nil)
        #expect(try await store.job(id: waiting.id) != nil)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

@Suite("Job ids")
struct JobIDTests {
    @Test func idsAreUUIDv7AndSortByTime() {
        let early = JobID.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let late = JobID.make(at: Date(timeIntervalSince1970: 1_700_000_000.002))
        #expect(early.count == 36)
        #expect(early.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(early[early.index(early.startIndex, offsetBy: 14)] == "7", "version 7")
        #expect("89ab".contains(early[early.index(early.startIndex, offsetBy: 19)]), "RFC 4122 variant")
        #expect(early < late)
        #expect(JobID.lowerBound(at: Date(timeIntervalSince1970: 1_700_000_000)) <= early)
        #expect(JobID.lowerBound(at: Date(timeIntervalSince1970: 1_700_000_000.001)) > early)
        #expect(Set((0..<1000).map { _ in JobID.make() }).count == 1000)
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test func datesRoundTripToTheMillisecond() throws {
        for _ in 0..<2000 {
            let date = SystemClock().now()
            let text = ConveyorJSON.formatDate(date)
            #expect(text.count == 24, "\(text)")
            let parsed = try #require(ConveyorJSON.parseDate(text))
            #expect(ConveyorJSON.formatDate(parsed) == text)
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0005)
        }
        #expect(ConveyorJSON.formatDate(Date(timeIntervalSince1970: 1_800_000_000.123)) == "2027-01-15T08:00:00.123Z")
    }
}

@Suite("Enqueue validation")
struct EnqueueValidationTests {
    @Test func nulCharactersAreRefusedSoBothStoresAgree() {
        let now = Date()
        let request = EnqueueRequest(type: "t", payload: ["text": "a\u{0}b"], metadata: ["k\u{0}": 1])
        #expect(throws: ConveyorError.self) { try request.resolve(defaults: JobDefaults(), now: now) }
        do {
            _ = try request.resolve(defaults: JobDefaults(), now: now)
        } catch {
            #expect(Set(error.failures.map(\.field)) == ["payload.text", "metadata.k\\u0000"])
        }
        #expect((try? EnqueueRequest(type: "t", payload: ["text": "fine"]).resolve(defaults: JobDefaults(), now: now)) != nil)
    }
}
