import ConveyorCore
import Foundation
import Testing

@Suite("Engine", .serialized)
struct EngineTests {
    @Test(arguments: StoreKind.allCases)
    func runsAJobToSuccessWithItsResult(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("ok")
        let done = try await h.wait(for: job.id, .succeeded)
        #expect(done.result == ["attempt": 1])
        #expect(done.attempt == 1)
        #expect(done.finishedAt != nil)
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func listBackoffRetriesOnScheduleThenDeadLetters(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("throw") {
            $0.maxAttempts = 3
            $0.backoff = .list(seconds: [60, 300, 900])
        }
        let t = h.clock.now()
        var retrying = try await h.wait(for: job.id, .retrying)
        #expect(retrying.runAt == t.addingTimeInterval(60))
        #expect(retrying.errors.map(\.message) == ["boom"])
        #expect(retrying.errors.first?.type == "Boom")

        h.clock.advance(by: 60)
        try await waitUntil { let j = try await h.job(job.id); return j.attempt == 2 && j.state == .retrying }
        retrying = try await h.job(job.id)
        #expect(retrying.runAt == t.addingTimeInterval(60 + 300))

        h.clock.advance(by: 300)
        let failed = try await h.wait(for: job.id, .failed)
        #expect(failed.attempt == 3)
        #expect(failed.errors.map(\.attempt) == [1, 2, 3])
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func fixedBackoffWaitsTheSameEachTime(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("throw") { $0.backoff = .fixed(seconds: 42) }
        let t = h.clock.now()
        #expect(try await h.wait(for: job.id, .retrying).runAt == t.addingTimeInterval(42))
        h.clock.advance(by: 42)
        try await waitUntil { let j = try await h.job(job.id); return j.attempt == 2 && j.state == .retrying }
        #expect(try await h.job(job.id).runAt == t.addingTimeInterval(84))
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func exponentialBackoffWithJitterStaysInItsBand(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("throw") {
            $0.backoff = .exponential(baseSeconds: 10, maxSeconds: 1000, jitter: true)
        }
        let t = h.clock.now()
        let first = try await h.wait(for: job.id, .retrying).runAt.timeIntervalSince(t)
        #expect((5.0...10.0).contains(first), "attempt 1 waits 10s × [0.5, 1]")
        h.clock.advance(by: 10)
        try await waitUntil { let j = try await h.job(job.id); return j.attempt == 2 && j.state == .retrying }
        let second = try await h.job(job.id).runAt.timeIntervalSince(t.addingTimeInterval(10))
        #expect((10.0...20.0).contains(second), "attempt 2 waits 20s × [0.5, 1]")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func permanentErrorFailsAtOnce(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("fail")
        let failed = try await h.wait(for: job.id, .failed)
        #expect(failed.attempt == 1)
        #expect(failed.errors.map(\.type) == ["permanent"])
        #expect(failed.errors.first?.message == "bad input")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func payloadThatDoesNotDecodeFailsWithoutRetry(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        // Inserted behind the API's back, as an older client or another node might.
        let bad = NewJob(type: ScriptJob.type, payload: ["wrong": true], runAt: h.clock.now(), createdAt: h.clock.now())
        let job = try await h.store.insertJobs([bad])[0].job
        await h.conveyor.notifier.notify([.jobsAvailable(queue: "default")])
        let failed = try await h.wait(for: job.id, .failed)
        #expect(failed.attempt == 1)
        #expect(failed.errors.first?.type == "payload_decoding")
        #expect(failed.errors.first?.message.contains("action") == true, "the error names the missing field")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func snoozeRunsLaterWithoutSpendingAnAttempt(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("snooze", seconds: 30) { $0.maxAttempts = 1 }
        let t = h.clock.now()
        try await waitUntil { let j = try await h.job(job.id); return await h.starts.count(job.id) == 1 && j.state == .scheduled }
        let snoozed = try await h.job(job.id)
        #expect(snoozed.attempt == 0)
        #expect(snoozed.runAt == t.addingTimeInterval(30))
        #expect(snoozed.errors.isEmpty)
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func retryAfterSpendsAnAttemptAndWaitsAsAsked(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("retry_after", seconds: 7) { $0.backoff = .fixed(seconds: 999) }
        let t = h.clock.now()
        let retrying = try await h.wait(for: job.id, .retrying)
        #expect(retrying.runAt == t.addingTimeInterval(7))
        #expect(retrying.attempt == 1)
        #expect(retrying.errors.first?.message == "upstream said 429")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func timeoutCancelsTheHandlerAndCountsAsAFailedAttempt(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        // The handler would sleep 10 minutes: failing at all, within the wait's hang
        // guard, is the timeout at work.
        let job = try await h.enqueue("sleep", seconds: 600) {
            $0.timeoutSeconds = 0.2
            $0.maxAttempts = 1
        }
        let failed = try await h.wait(for: job.id, .failed)
        #expect(failed.errors.map(\.type) == ["timeout"])
        #expect(failed.errors.first?.message == "timed out after 0.2s")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func cancellingARunningJobStopsItsTask(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        // The handler would sleep 10 minutes: ending as cancelled at all is the cancel at work.
        let job = try await h.enqueue("sleep", seconds: 600)
        await h.starts.waitForStart(job.id)
        guard case .requested = try await h.conveyor.cancel(id: job.id) else {
            Issue.record("a running job is cancelled by request")
            return
        }
        let cancelled = try await h.wait(for: job.id, .cancelled)
        #expect(cancelled.errors.isEmpty, "a cancellation is not a failure")
        #expect(try await h.starts.count(job.id) == 1, "not retried")
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func cancelFlagFromAnotherNodeArrivesWithTheHeartbeat(kind: StoreKind) async throws {
        // A short lease makes the heartbeat frequent; the store's flag is the only signal.
        let h = try await EngineHarness.start(kind: kind, lease: .milliseconds(600))
        let job = try await h.enqueue("sleep", seconds: 600)
        await h.starts.waitForStart(job.id)
        _ = try await h.store.cancelJob(id: job.id, now: h.clock.now())
        try await h.wait(for: job.id, .cancelled)
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func stalledJobOfADeadWorkerRunsAgain(kind: StoreKind) async throws {
        var stalled = ""
        // A worker that will never heartbeat claims the job before our engine starts, then "dies".
        // Our workers' lease outlasts the clock's jump below: a claim already under way when
        // the clock moves carries the old time, and must not look expired after the jump.
        let h = try await EngineHarness.start(kind: kind, lease: .seconds(120)) { store, clock in
            let now = clock.now()
            stalled = try await store.insertJobs([
                NewJob(type: ScriptJob.type, payload: ["action": "ok"], runAt: now, createdAt: now)
            ])[0].job.id
            _ = try await store.claimJobs(queue: "default", limit: 1, owner: "dead", leaseUntil: now.addingTimeInterval(30), now: now)
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await h.job(stalled).state == .running, "the lease is alive: nobody else may run it")
        h.clock.advance(by: 31)
        let done = try await h.wait(for: stalled, .succeeded)
        #expect(done.attempt == 2)
        #expect(done.errors.map(\.type) == ["lease_expired"])
        try await h.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func shutdownLetsShortJobsFinish(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind, grace: .seconds(5))
        let job = try await h.enqueue("sleep", seconds: 0.3)
        await h.starts.waitForStart(job.id)
        try await h.stop()
        #expect(try await h.job(job.id).state == .succeeded)
    }

    @Test(arguments: StoreKind.allCases)
    func shutdownHandsLongJobsBackWithoutSpendingAnAttempt(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind, grace: .milliseconds(200))
        let job = try await h.enqueue("sleep", seconds: 60)
        await h.starts.waitForStart(job.id)
        try await h.stop()
        let back = try await h.job(job.id)
        #expect(back.state == .queued)
        #expect(back.attempt == 0)
        #expect(back.leaseOwner == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func jobsDueLaterAreStagedWhenTheirTimeComes(kind: StoreKind) async throws {
        let h = try await EngineHarness.start(kind: kind)
        let job = try await h.enqueue("ok") { $0.delaySeconds = 120 }
        #expect(job.state == .scheduled)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await h.job(job.id).state == .scheduled)
        h.clock.advance(by: 120)
        try await h.wait(for: job.id, .succeeded)
        try await h.stop()
    }
}
