import ConveyorCore
import ConveyorHTTPJob
import ConveyorPostgres
import Foundation
import Logging
import Testing

/// What a worker does first and what it does when its lease is gone: it claims at once,
/// under the config file's caps, and never starts a side effect on a lease that ran out.
@Suite struct StartupAndLeaseTests {
    /// Queued work starts without waiting for the first poll tick (an hour here).
    @Test func theFirstClaimHappensAtStart() async throws {
        let h = try await EngineHarness.start(pollInterval: .seconds(3600)) { store, clock in
            _ = try await store.insertJobs([
                NewJob(type: ScriptJob.type, payload: ["action": "ok"], runAt: clock.now(), createdAt: clock.now())
            ])
        }
        try await waitUntil("the queued job to start") { await !h.starts.started.isEmpty }
        try await h.stop()
    }

    /// The config file's key cap holds from the very first claim: the jobs were queued
    /// before the engine started, so a claim made before the settings were written would
    /// start all three.
    @Test(arguments: StoreKind.allCases)
    func configuredCapsHoldFromTheFirstClaim(kind: StoreKind) async throws {
        var settings = QueueSettingsPatch()
        settings.keyConcurrencyLimit = .set(1)
        let h = try await EngineHarness.start(kind: kind, concurrency: 10, queueSettings: ["default": settings]) { store, clock in
            let jobs = (0..<3).map { _ in
                NewJob(type: ScriptJob.type, payload: ["action": "sleep", "seconds": 60], runAt: clock.now(), createdAt: clock.now())
            }
            _ = try await store.insertJobs(jobs)
        }
        try await waitUntil("one job to start") { await h.starts.started.count == 1 }
        // Give a wrong second claim every chance to happen (a floor, not a bound).
        try await Task.sleep(for: .milliseconds(300))
        #expect(await h.starts.started.count == 1)
        #expect(try await h.store.queueSettings(queue: "default")?.keyConcurrencyLimit == 1)
        await h.group.triggerGracefulShutdown()
        h.runner.cancel()
    }

    /// A finished job keeps its lease while its outcome waits behind a slow write: were it
    /// left to expire, the lease reaper would run the job a second time. Job A's row is
    /// locked from another connection, so A's outcome write hangs; B finishes meanwhile and
    /// its outcome waits its turn (the pool keeps one call in flight here, so the one
    /// blocked write is all it has). The heartbeat must still extend B's lease.
    @Test(.enabled(if: PostgresTestDatabase.url != nil))
    func anOutcomeWaitingToBeWrittenKeepsItsLease() async throws {
        try await withALockedOutcome(claimsInFlight: 1) { h, locker, b in
            let claimedUntil = try #require(try await locker.job(id: b.id)?.leaseExpiresAt)
            #expect(try await locker.job(id: b.id)?.state == .running)
            h.clock.advance(by: 3)
            try await waitUntil("B's lease to be extended while its outcome waits") {
                guard let until = try await locker.job(id: b.id)?.leaseExpiresAt else { return false }
                return until > claimedUntil
            }
        }
    }

    /// With two calls in flight, one outcome blocked on a locked row holds back no other:
    /// B's outcome is written beside A's waiting one.
    @Test(.enabled(if: PostgresTestDatabase.url != nil))
    func aBlockedOutcomeHoldsBackNoOther() async throws {
        try await withALockedOutcome(claimsInFlight: 2) { h, locker, b in
            try await waitUntil("B's outcome to be written while A's waits") {
                try await locker.job(id: b.id)?.state == .succeeded
            }
        }
    }

    /// Runs `body` while job A's outcome write waits on a row lock held by another
    /// connection, after job B ran; then releases the lock and checks both jobs finish.
    private func withALockedOutcome(
        claimsInFlight: Int?, attempt: Int = 1, _ body: (EngineHarness, PostgresJobStore, Job) async throws -> Void
    ) async throws {
        let configuration = try await PostgresTestDatabase.create()
        let store = try await PostgresTestDatabase.makeStore(on: configuration)
        try await store.migrate()
        let locker = try await PostgresTestDatabase.makeStore(on: configuration)
        let h = try await EngineHarness.start(store: store, concurrency: 4, lease: .seconds(6), claimsInFlight: claimsInFlight)
        let a = try await h.enqueue("sleep", seconds: 0.5)
        await h.starts.waitForStart(a.id)
        let release = AsyncStream<Void>.makeStream()
        let locked = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await locker.client.withTransaction(logger: PostgresTestDatabase.logger) { connection in
                try await connection.query("SELECT id FROM conveyor_jobs WHERE id = \(a.id) FOR UPDATE", logger: PostgresTestDatabase.logger)
                locked.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        defer { release.continuation.yield() }  // a failing test must not hang on the lock
        for await _ in locked.stream { break }
        // A slow machine can finish A (0.5 s) and write its outcome before the lock is taken;
        // then nothing would ever wait on it. Still running means its write is yet to come.
        if try await locker.job(id: a.id)?.state != .running, attempt < 3 {
            release.continuation.yield()
            try await holder.value
            try await h.stop()
            return try await withALockedOutcome(claimsInFlight: claimsInFlight, attempt: attempt + 1, body)
        }
        try await waitUntil("A's outcome write to wait on the lock") {
            let waiting = try await locker.client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                logger: PostgresTestDatabase.logger)
            for try await count in waiting.decode(Int.self) { return count > 0 }
            return false
        }
        let b = try await h.enqueue("ok")
        await h.starts.waitForStart(b.id)
        try await Task.sleep(for: .milliseconds(200))
        // Reads go through the locker's pool: the engine's may be taken by A's waiting writes.
        try await body(h, locker, b)
        release.continuation.yield()
        try await holder.value
        try await h.wait(for: a.id, .succeeded)
        try await h.wait(for: b.id, .succeeded)
        try await h.stop()
    }

    @Test func aContextWhoseLeaseRanOutRefusesSideEffects() throws {
        let clock = ManualClock()
        let lease = LeaseDeadline(clock.now().addingTimeInterval(30), clock: clock)
        let context = JobContext(id: "j1", type: "http", lease: lease)
        try context.checkLease()
        clock.advance(by: 29)
        try context.checkLease()
        lease.extend(to: clock.now().addingTimeInterval(30))
        clock.advance(by: 29)
        try context.checkLease()
        lease.extend(to: clock.now().addingTimeInterval(-100))  // never moves back
        clock.advance(by: 2)
        #expect(throws: LeaseExpiredError.self) { try context.checkLease() }
    }

    /// A node that wakes after its lease ran out (SIGSTOP, then SIGCONT) sends nothing:
    /// the attempt may already have succeeded elsewhere.
    @Test func anHTTPJobPastItsLeaseSendsNothing() async throws {
        let clock = ManualClock()
        let lease = LeaseDeadline(clock.now().addingTimeInterval(5), clock: clock)
        clock.advance(by: 8)
        let context = JobContext(id: "j1", type: "http", lease: lease)
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let payload = try ConveyorJSON.decode(HTTPJob.Payload.self, from: Data(#"{"url":"\#(receiver.url())"}"#.utf8))
            await #expect(throws: LeaseExpiredError.self) {
                try await HTTPJob(client: HTTPJobTests.client).run(payload, context: context)
            }
            #expect(receiver.received.isEmpty)
        }
    }
}

/// A node that never wins the election (another node leads, or leads while frozen).
struct NeverLeader: LeaderElector {
    func whileLeader(_ lead: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
}

extension StartupAndLeaseTests {
    /// A job whose worker died is rescued by a node that is not the leader: the reaper's
    /// writes are fenced by the lease, so every node runs it.
    @Test(arguments: StoreKind.allCases)
    func aFollowerRescuesAnExpiredLease(kind: StoreKind) async throws {
        let store = try await kind.make()
        let clock = ManualClock()
        let job = try await store.insertJobs([.test(at: clock.now())])[0].job
        // A worker elsewhere claimed it and died.
        _ = try await store.claimJobs(
            queue: "default", limit: 1, owner: "dead", leaseUntil: clock.now().addingTimeInterval(5), now: clock.now())
        clock.advance(by: 10)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let conveyor = Conveyor(store: store, registry: JobRegistry(), clock: clock, logger: logger)
        let engine = ConveyorEngine(
            conveyor: conveyor, queues: [], maintenance: MaintenanceConfiguration(reapInterval: .milliseconds(20)),
            elector: NeverLeader())
        let runner = Task { try await engine.run() }
        defer { runner.cancel() }
        try await waitUntil("the follower to reap the expired lease") {
            try await store.job(id: job.id)?.state == .queued
        }
    }
}
