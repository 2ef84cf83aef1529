import ConveyorCore
import Foundation
import Testing

/// Unique jobs on every store: refusal with the holder, states, period, batches,
/// concurrent inserts, and the replace (debounce).
@Suite("Unique jobs conformance")
struct UniqueJobsConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func job(
        _ key: String, states: [JobState]? = nil, period: Double? = nil, replace: Bool = false, n: Int = 1,
        runAt: Date? = nil, at now: Date? = nil, tenant: String = "default", idempotencyKey: String? = nil
    ) -> NewJob {
        let now = now ?? t0
        return NewJob(
            type: "test", payload: ["n": .number(Double(n))], runAt: runAt ?? now, backoff: .fixed(seconds: 10),
            idempotencyKey: idempotencyKey, tenant: tenant, createdAt: now,
            unique: UniqueOptions(key: key, states: states, periodSeconds: period, replace: replace))
    }

    func count(_ store: any StoreDriver) async throws -> Int {
        try await store.listJobs(JobQuery(limit: 1000)).jobs.count
    }

    @Test(arguments: StoreKind.allCases)
    func aSecondJobWithTheKeyGetsTheFirstFlagged(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("sync-42")])[0]
        #expect(first.disposition == .created)
        #expect(first.job.uniqueKey == "sync-42")
        #expect(try await store.job(id: first.job.id)?.uniqueKey == "sync-42")

        let second = try await store.insertJobs([job("sync-42", n: 2)])[0]
        #expect(second.disposition == .uniqueConflict)
        #expect(!second.created && second.uniqueConflict)
        #expect(second.job.id == first.job.id)
        #expect(second.job.payload == ["n": 1])

        // Another key, or the same key in another tenant, is another job.
        #expect(try await store.insertJobs([job("sync-43")])[0].created)
        #expect(try await store.insertJobs([job("sync-42", tenant: "acme")])[0].created)
        #expect(try await count(store) == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func onlyTheGivenStatesHoldTheKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("k")])[0].job
        // Running still holds it under the default states.
        let claimed = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: t0 + 30, now: t0)
        #expect(try await store.insertJobs([job("k")])[0].job.id == first.id)
        try await store.completeJobs([
            JobOutcome(lease: claimed[0].lease, owner: owner, kind: .succeeded(result: nil), finishedAt: t0)
        ])
        // A finished job does not, unless its state is named.
        let held = try await store.insertJobs([job("k", states: [.succeeded, .failed])])[0]
        #expect(held.disposition == .uniqueConflict && held.job.id == first.id && held.job.state == .succeeded)
        let next = try await store.insertJobs([job("k")])[0]
        #expect(next.created)
        // Only queued jobs hold it here; the new one is queued, so a third is refused.
        #expect(try await store.insertJobs([job("k", states: [.queued])])[0].job.id == next.job.id)
        #expect(try await store.insertJobs([job("k", states: [.running])])[0].created)
    }

    @Test(arguments: StoreKind.allCases)
    func aPeriodHoldsTheKeyWhateverTheState(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("report", states: [], period: 60)])[0].job
        _ = try await store.cancelJob(id: first.id, now: t0)
        let within = try await store.insertJobs([job("report", states: [], period: 60, at: t0 + 59)])[0]
        #expect(within.disposition == .uniqueConflict)
        #expect(within.job.id == first.id && within.job.state == .cancelled)
        let after = try await store.insertJobs([job("report", states: [], period: 60, at: t0 + 61)])[0]
        #expect(after.created)
        // States and a period together: held by either.
        _ = try await store.cancelJob(id: after.job.id, now: t0 + 61)
        let both = try await store.insertJobs([job("report", period: 30, at: t0 + 200)])[0]
        #expect(both.created)
        #expect(try await store.insertJobs([job("report", period: 30, at: t0 + 500)])[0].job.id == both.job.id)
    }

    @Test(arguments: StoreKind.allCases)
    func aBatchRefusesARepeatOfItsOwnKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        var plain = job("unused")
        plain.unique = nil
        let results = try await store.insertJobs([
            job("a", n: 1), job("a", n: 2), job("b"), plain, job("a", n: 3),
        ])
        #expect(results.map(\.disposition) == [.created, .uniqueConflict, .created, .created, .uniqueConflict])
        #expect(results[1].job.id == results[0].job.id && results[4].job.id == results[0].job.id)
        #expect(results[1].job.payload == ["n": 1])
        #expect(try await count(store) == 3)
        // And against stored jobs in the next batch.
        let again = try await store.insertJobs([job("b"), job("c")])
        #expect(again.map(\.disposition) == [.uniqueConflict, .created])
        #expect(again[0].job.id == results[2].job.id)
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentInsertsCreateOneJob(kind: StoreKind) async throws {
        let store = try await kind.make()
        let jobs = (0..<20).map { job("hot", n: $0) }
        let results = try await withThrowingTaskGroup(of: InsertResult.self) { group in
            for new in jobs {
                group.addTask { try await store.insertJobs([new])[0] }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = results.filter(\.created)
        #expect(created.count == 1)
        #expect(results.allSatisfy { $0.job.id == created.first?.job.id })
        #expect(results.filter { $0.disposition == .uniqueConflict }.count == 19)
        #expect(try await count(store) == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentBatchesSharingKeysCreateOneJobPerKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        let keys = ["k1", "k2", "k3", "k4", "k5"]
        let results = try await withThrowingTaskGroup(of: [InsertResult].self) { group in
            for worker in 0..<8 {
                // Each batch lists the keys in its own order.
                let batch = (0..<keys.count).map { job(keys[($0 + worker) % keys.count], n: worker) }
                group.addTask { try await store.insertJobs(batch) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.filter(\.created).count == keys.count)
        #expect(Set(results.map(\.job.id)).count == keys.count)
        #expect(try await count(store) == keys.count)
    }

    @Test(arguments: StoreKind.allCases)
    func replaceTakesThePayloadAndPushesRunAtBack(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("debounce", replace: true, n: 1, runAt: t0 + 60)])[0].job
        #expect(first.state == .scheduled)
        let second = try await store.insertJobs([job("debounce", replace: true, n: 2, runAt: t0 + 90, at: t0 + 30)])[0]
        #expect(second.disposition == .replaced)
        #expect(second.uniqueConflict && !second.created)
        #expect(second.job.id == first.id)
        #expect(second.job.payload == ["n": 2])
        #expect(second.job.runAt == t0 + 90)
        #expect(second.job.state == .scheduled)
        #expect(second.job.createdAt == first.createdAt)
        #expect(try await store.job(id: first.id) == second.job)
        #expect(try await count(store) == 1)
        // No event for the replace: the log still holds the one job.submitted.
        let events = try await store.readEvents(EventQuery(after: 0, key: first.id, limit: 100)).events
        #expect(events.map(\.type) == ["job.submitted"])
        // Nothing is due before the new run_at.
        #expect(try await store.stageDueJobs(now: t0 + 61, limit: 10).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func replaceOfAQueuedJobWithALaterRunAtSchedulesIt(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("d", replace: true)])[0].job
        #expect(first.state == .queued)
        let replaced = try await store.insertJobs([job("d", replace: true, n: 2, runAt: t0 + 30)])[0]
        #expect(replaced.disposition == .replaced && replaced.job.id == first.id)
        #expect(replaced.job.state == .scheduled && replaced.job.runAt == t0 + 30)
        #expect(try await store.claimJobs(queue: "default", limit: 5, owner: owner, leaseUntil: t0 + 30, now: t0).isEmpty)
        // And back to queued when the next one is due now.
        let due = try await store.insertJobs([job("d", replace: true, n: 3, at: t0 + 1)])[0]
        #expect(due.job.state == .queued && due.job.payload == ["n": 3] && due.job.runAt == t0 + 1)
        let claimed = try await store.claimJobs(queue: "default", limit: 5, owner: owner, leaseUntil: t0 + 30, now: t0 + 1)
        #expect(claimed.map(\.id) == [first.id])
    }

    @Test(arguments: StoreKind.allCases)
    func aRunningHolderIsNotReplacedSoANewJobIsMade(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.insertJobs([job("d", replace: true)])[0].job
        _ = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: t0 + 30, now: t0)
        let next = try await store.insertJobs([job("d", replace: true, n: 2, runAt: t0 + 10)])[0]
        #expect(next.created && next.job.id != first.id)
        #expect(try await store.job(id: first.id)?.payload == ["n": 1])
        // The new one waits, so the next request replaces it.
        let third = try await store.insertJobs([job("d", replace: true, n: 3, runAt: t0 + 20)])[0]
        #expect(third.disposition == .replaced && third.job.id == next.job.id && third.job.payload == ["n": 3])
    }

    @Test(arguments: StoreKind.allCases)
    func replaceInsideABatchChangesTheBatchsOwnJob(kind: StoreKind) async throws {
        let store = try await kind.make()
        let results = try await store.insertJobs([
            job("d", replace: true, n: 1, runAt: t0 + 10), job("d", replace: true, n: 2, runAt: t0 + 20),
        ])
        #expect(results.map(\.disposition) == [.created, .replaced])
        #expect(results[0].job.id == results[1].job.id)
        #expect(results.allSatisfy { $0.job.payload == ["n": 2] && $0.job.runAt == t0 + 20 })
        #expect(try await store.job(id: results[0].job.id) == results[1].job)
        // The job.submitted event carries the job as the batch left it.
        let events = try await store.readEvents(EventQuery(after: 0, key: results[0].job.id, limit: 100)).events
        #expect(try events.map { try $0.job() } == [results[1].job])
    }

    /// Both stores rank a stored holder and an earlier job of the batch by one rule
    /// (``UniqueHolder/precedes(_:_:)``): waiting first, then the greatest id.
    @Test(arguments: StoreKind.allCases)
    func storedAndBatchHoldersAreRankedByOneRule(kind: StoreKind) async throws {
        let store = try await kind.make()
        var stored = job("k", n: 1)
        stored.id = "job-z"
        _ = try await store.insertJobs([stored])
        // The first job of the batch ignores queued holders, so it is inserted; the second
        // finds two waiting holders, and the greater id wins.
        var first = job("k", states: [.running], n: 2)
        first.id = "job-m"
        let results = try await store.insertJobs([first, job("k", n: 3)])
        #expect(results.map(\.disposition) == [.created, .uniqueConflict])
        #expect(results[1].job.id == "job-z")
        #expect(results[1].job.payload == ["n": 1])
    }

    @Test(arguments: StoreKind.allCases)
    func anIdempotencyKeyWinsOverTheUniqueKey(kind: StoreKind) async throws {
        let store = try await kind.make()
        var keyed = job("other")
        keyed.unique = nil
        keyed.idempotencyKey = "i-1"
        let original = try await store.insertJobs([keyed])[0].job
        _ = try await store.insertJobs([job("u")])
        let repeated = try await store.insertJobs([job("u", idempotencyKey: "i-1")])[0]
        #expect(repeated.disposition == .idempotent)
        #expect(repeated.job.id == original.id)
    }

    @Test(arguments: StoreKind.allCases)
    func eventsCarryTheUniqueKeyAsGETShowsIt(kind: StoreKind) async throws {
        let store = try await kind.make()
        let inserted = try await store.insertJobs([job("evt")])[0].job
        let events = try await store.readEvents(EventQuery(after: 0, key: inserted.id, limit: 10)).events
        let stored = try #require(try await store.job(id: inserted.id))
        #expect(try events.last.map { try ConveyorJSON.encode($0.data) } == ConveyorJSON.encode(stored))
        #expect(try events.last?.job()?.uniqueKey == "evt")
    }
}
