import ConveyorCore
import Foundation
import Testing

/// The ``JobClaimStore`` contract, run once per driver: the worker's slice of the store.
/// Claims hand each job to one worker under a lease; heartbeats and completions are
/// fenced by that lease, so a worker that lost it changes nothing.
@Suite("JobClaimStore conformance")
struct JobClaimStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ seconds: Double = 30) -> Date { t0.addingTimeInterval(seconds) }

    // MARK: claimJobs

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

    /// A fair claim moves a queue's queued jobs into its per-key order; once the queue is
    /// plain again, the plain claim takes them back, so none is stranded.
    @Test(arguments: StoreKind.allCases)
    func jobsAFairClaimKeyedAreClaimedOnceTheQueueIsPlainAgain(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(fair: true), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<4).map { _ in .test(at: t0) })
        #expect(try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: lease(), now: t0).count == 1)
        try await store.setQueueSettings(QueueSettings(), queue: "default", now: t0)
        let rest = try await store.claimJobs(queue: "default", limit: 10, owner: owner, leaseUntil: lease(), now: t0)
        #expect(rest.count == 3)
        // With none keyed, the plain claim finds nothing to move back and claims as ever.
        _ = try await store.insertJobs([.test(at: t0)])
        #expect(try await store.claimJobs(queue: "default", limit: 10, owner: owner, leaseUntil: lease(), now: t0).count == 1)
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

    // MARK: completeJobs

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

    // MARK: extendLeases

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
    func aLeaseHeldByAnotherOwnerIsNeitherExtendedNorCompleted(kind: StoreKind) async throws {
        let store = try await kind.make()
        let job = try await store.insertJobs([.test(at: t0)])[0].job
        let claimed = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: lease(30), now: t0)[0]
        let before = try #require(try await store.job(id: job.id))
        let report = try await store.extendLeases([claimed.lease], owner: "intruder", until: lease(300))
        #expect(report.lost == [claimed.lease] && report.cancelRequested.isEmpty)
        let applied = try await store.completeJobs([
            JobOutcome(lease: claimed.lease, owner: "intruder", kind: .succeeded(result: "forged"), finishedAt: t0 + 1)
        ])
        #expect(applied == 0)
        #expect(try await store.job(id: job.id) == before, "nothing changed")
        #expect(try await store.readEvents(EventQuery(after: 0, key: job.id)).events.map(\.type) == ["job.submitted", "job.started"])
        // The holder still can, once; a repeated completion is a no-op.
        let done = JobOutcome(lease: claimed.lease, owner: owner, kind: .succeeded(result: "ok"), finishedAt: t0 + 2)
        #expect(try await store.completeJobs([done]) == 1)
        #expect(try await store.completeJobs([done]) == 0)
        #expect(try await store.extendLeases([claimed.lease], owner: owner, until: lease(300)).lost == [claimed.lease])
        #expect(try await store.job(id: job.id)?.result == "ok")
    }

    // MARK: completeAndClaim

    /// The worker's steady state: last batch's outcomes written and the next batch claimed
    /// in one call, with the events of both.
    @Test(arguments: StoreKind.allCases)
    func completeAndClaimWritesOutcomesThenClaims(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.insertJobs((0..<4).map { _ in .test(at: t0) })
        let first = try await store.claimJobs(queue: "default", limit: 2, owner: owner, leaseUntil: lease(), now: t0)
        let outcomes = first.map { JobOutcome(lease: $0.lease, owner: owner, kind: .succeeded(result: "ok"), finishedAt: t0 + 1) }
        let (completed, next) = try await store.completeAndClaim(
            outcomes, queue: "default", limit: 5, owner: owner, leaseUntil: lease(60), now: t0 + 1)
        #expect(completed == 2)
        #expect(next.count == 2)
        #expect(Set(next.map(\.id)).isDisjoint(with: first.map(\.id)))
        for job in first { #expect(try await store.job(id: job.id)?.state == .succeeded) }
        for job in next { #expect(try await store.job(id: job.id)?.leaseExpiresAt == lease(60)) }
        let types = try await store.readEvents(EventQuery(after: 0, key: first[0].id)).events.map(\.type)
        #expect(types == ["job.submitted", "job.started", "job.succeeded"])
        // Nothing left to claim, and a repeated outcome is fenced out.
        let again = try await store.completeAndClaim(outcomes, queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0 + 2)
        #expect(again.completed == 0 && again.claimed.isEmpty)
        // With nothing to write it is a plain claim.
        #expect(try await store.completeAndClaim([], queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0 + 2).claimed.isEmpty)
    }

    /// A worker pool keeps `claimsInFlight` calls side by side (at least two here, so both
    /// stores are held to it): together they hand out each job once, never pass a queue's
    /// cap, and write every outcome.
    @Test(arguments: StoreKind.allCases)
    func callsSideBySideShareTheQueue(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(store.claimsInFlight >= 1)
        let (t0, owner, cap) = (t0, owner, 6)
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: cap), queue: "default", now: t0)
        _ = try await store.insertJobs((0..<90).map { _ in .test(at: t0) })
        let queued: @Sendable () async throws -> [String: Int] = {
            try await store.queueStats(now: t0).first { $0.queue == "default" }?.counts ?? [:]
        }
        let handed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<max(2, store.claimsInFlight) {
                group.addTask {
                    var mine: [String] = []
                    var held: [ClaimedJob] = []
                    while true {
                        let outcomes = held.map {
                            JobOutcome(lease: $0.lease, owner: owner, kind: .succeeded(result: nil), finishedAt: t0 + 1)
                        }
                        let (completed, next) = try await store.completeAndClaim(
                            outcomes, queue: "default", limit: 4, owner: owner, leaseUntil: t0 + 30, now: t0 + 1)
                        #expect(completed == outcomes.count, "every outcome is written")
                        let counts = try await queued()
                        #expect(counts["running", default: 0] <= cap, "calls side by side keep the queue's cap")
                        mine += next.map(\.id)
                        held = next
                        if held.isEmpty {
                            // Another call may hold the room under the cap: wait for it.
                            if counts["queued", default: 0] == 0 { return mine }
                            try await Task.sleep(for: .milliseconds(2))
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(handed.count == 90)
        #expect(Set(handed).count == 90, "no job is handed out twice")
        #expect(try await queued()["succeeded"] == 90)
    }

    /// The claim sees the room its outcomes freed under a queue's cap: SQLite in the same
    /// transaction, PostgreSQL by claiming again after a short claim (the worker relies on
    /// it and does not look again itself).
    @Test(arguments: StoreKind.allCases)
    func completeAndClaimSeesTheRoomItsOutcomesFreed(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 1), queue: "default", now: t0)
        _ = try await store.insertJobs([.test(at: t0), .test(at: t0)])
        let first = try await store.claimJobs(queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0)
        #expect(first.count == 1)
        #expect(try await store.claimJobs(queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0).isEmpty, "at the cap")
        let done = JobOutcome(lease: first[0].lease, owner: owner, kind: .succeeded(result: nil), finishedAt: t0 + 1)
        let (completed, next) = try await store.completeAndClaim(
            [done], queue: "default", limit: 5, owner: owner, leaseUntil: lease(), now: t0 + 1)
        #expect(completed == 1)
        #expect(next.count == 1, "the finished job's slot is free to the same call")
    }
}
