import ConveyorCore
import Foundation
import Testing

/// The rule both stores apply to a new job with `unique` (``UniqueResolution``).
@Suite("Unique resolution") struct UniqueResolutionTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func holder(_ id: String, _ state: JobState, ago seconds: Double = 60) -> UniqueHolder {
        UniqueHolder(id: id, state: state, createdAt: now.addingTimeInterval(-seconds))
    }

    func resolve(
        _ unique: UniqueOptions, idempotent: Job? = nil, stored: [UniqueHolder] = [], batch: [UniqueHolder] = []
    ) -> UniqueResolution {
        UniqueResolution.resolve(unique, now: now, idempotent: idempotent, stored: stored, batch: batch)
    }

    @Test func noHolderMeansInsert() {
        #expect(resolve(UniqueOptions(key: "k")) == .insert)
        #expect(resolve(UniqueOptions(key: "k", replace: true)) == .insert)
    }

    @Test func anIdempotencyMatchWinsOverAHolder() {
        let job = Job(
            id: "j1", type: "t", queue: "default", state: .queued, priority: 0, payload: [:], runAt: now, attempt: 0,
            maxAttempts: 3, backoff: .fixed(seconds: 1), timeoutSeconds: nil, idempotencyKey: "i-1", tags: [], tenant: "default",
            metadata: [:], errors: [], result: nil, createdAt: now, startedAt: nil, finishedAt: nil, leaseOwner: nil,
            leaseExpiresAt: nil, cancelRequested: false, workflowID: nil, step: nil, rerunOf: nil, createdBy: nil,
            concurrencyKey: "", uniqueKey: nil)
        #expect(resolve(UniqueOptions(key: "k"), idempotent: job, stored: [holder("b", .queued)]) == .idempotent(job))
    }

    @Test func aStoredHolderIsAConflictUnlessItWaitsAndReplaceIsAsked() {
        let running = holder("a", .running)
        let queued = holder("b", .queued)
        #expect(resolve(UniqueOptions(key: "k"), stored: [queued]) == .conflict(queued))
        #expect(resolve(UniqueOptions(key: "k", replace: true), stored: [queued]) == .replace(queued))
        #expect(resolve(UniqueOptions(key: "k", replace: true), stored: [running]) == .conflict(running))
    }

    @Test func aWaitingHolderIsPreferredThenTheNewest() {
        let (running, old, newer) = (holder("c", .running), holder("a", .scheduled), holder("b", .queued))
        #expect(resolve(UniqueOptions(key: "k", replace: true), stored: [running, old, newer]) == .replace(newer))
        #expect(resolve(UniqueOptions(key: "k"), stored: [running, holder("d", .retrying)]) == .conflict(holder("d", .retrying)))
    }

    @Test func anEarlierJobOfTheBatchHoldsTheKeyByTheSameTest() {
        let earlier = holder("b", .queued, ago: 0)
        #expect(resolve(UniqueOptions(key: "k"), batch: [earlier]) == .conflict(earlier))
        #expect(resolve(UniqueOptions(key: "k", replace: true), batch: [earlier]) == .replace(earlier))
        // Not in the named states and no period: it does not hold the key.
        #expect(resolve(UniqueOptions(key: "k", states: [.running]), batch: [earlier]) == .insert)
        // A period holds it whatever the states.
        #expect(resolve(UniqueOptions(key: "k", states: [], periodSeconds: 30), batch: [earlier]) == .conflict(earlier))
        #expect(resolve(UniqueOptions(key: "k", states: [], periodSeconds: 30), batch: [holder("b", .queued, ago: 31)]) == .insert)
    }

    @Test func storedAndBatchHoldersAreRankedTogether() {
        // A running stored job loses to a waiting batch job; a newer waiting stored job wins.
        let batch = holder("m", .queued, ago: 0)
        #expect(resolve(UniqueOptions(key: "k"), stored: [holder("z", .running)], batch: [batch]) == .conflict(batch))
        #expect(resolve(UniqueOptions(key: "k"), stored: [holder("z", .scheduled)], batch: [batch]) == .conflict(holder("z", .scheduled)))
    }
}
