import ConveyorCore
import Foundation

/// Times every call of the worker's hot path (claim, heartbeat, complete, and `both`:
/// outcomes written and the next jobs claimed in one transaction) and counts the
/// jobs in each, so `conveyor bench` can say where the drain's time goes: how big the
/// batches were, how long each transaction took, and how busy the store was.
actor StoreCallTimeline {
    struct Call: Sendable {
        var seconds: Double
        var jobs: Int
    }

    private var calls: [String: [Call]] = [:]

    func record(_ name: String, _ call: Call) {
        calls[name, default: []].append(call)
    }

    /// One line per call kind: count, jobs per call, p50/p99 duration and the share of
    /// the drain the calls of that kind were in flight.
    func summary(over seconds: Double) -> [String] {
        calls.keys.sorted().map { name in
            let list = calls[name] ?? []
            let durations = list.map(\.seconds).sorted()
            let jobs = list.reduce(0) { $0 + $1.jobs }
            let busy = durations.reduce(0, +)
            func p(_ q: Double) -> Double { durations.isEmpty ? .nan : durations[min(durations.count - 1, Int(Double(durations.count) * q))] * 1000 }
            return "  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(
                format: "%6d calls, %7.1f jobs/call, p50 %6.2f ms, p99 %7.2f ms, in flight %3.0f%% of the drain",
                list.count, list.isEmpty ? 0 : Double(jobs) / Double(list.count), p(0.5), p(0.99), busy / seconds * 100)
        }
    }

    nonisolated func wrap(_ store: any JobClaimStore) -> any JobClaimStore {
        TimedClaimStore(store: store, timeline: self)
    }
}

/// A ``JobClaimStore`` that reports each call to a ``StoreCallTimeline``.
private struct TimedClaimStore: JobClaimStore {
    let store: any JobClaimStore
    let timeline: StoreCallTimeline
    var claimsInFlight: Int { store.claimsInFlight }

    private func timed<T>(_ name: String, jobs: (T) -> Int, _ call: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        let result = try await call()
        let seconds = start.duration(to: .now).seconds
        await timeline.record(name, .init(seconds: seconds, jobs: jobs(result)))
        return result
    }

    func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob] {
        try await timed("claim", jobs: \.count) {
            try await store.claimJobs(queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now)
        }
    }

    func extendLeases(_ leases: [LeaseKey], owner: String, until: Date) async throws -> LeaseReport {
        try await timed("heartbeat", jobs: { _ in leases.count }) {
            try await store.extendLeases(leases, owner: owner, until: until)
        }
    }

    func completeJobs(_ outcomes: [JobOutcome]) async throws -> Int {
        try await timed("complete", jobs: { _ in outcomes.count }) { try await store.completeJobs(outcomes) }
    }

    /// Counted as the outcomes written plus the jobs claimed.
    func completeAndClaim(
        _ outcomes: [JobOutcome], queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date
    ) async throws -> (completed: Int, claimed: [ClaimedJob]) {
        try await timed("both", jobs: { outcomes.count + $0.claimed.count }) {
            try await store.completeAndClaim(outcomes, queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now)
        }
    }
}
