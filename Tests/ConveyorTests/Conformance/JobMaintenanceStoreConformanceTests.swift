import ConveyorCore
import Foundation
import Testing

/// The ``JobMaintenanceStore`` contract, run once per driver: staging due jobs, the
/// stager's wake-up time, rescuing expired leases and pruning finished jobs.
@Suite("JobMaintenanceStore conformance")
struct JobMaintenanceStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ seconds: Double = 30) -> Date { t0.addingTimeInterval(seconds) }

    // MARK: stageDueJobs

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

    // MARK: rescueExpiredLeases

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

    // MARK: pruneJobs

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
