import ConveyorClient
import ConveyorCore
import Foundation
import Testing

/// The pull protocol for remote workers, through the Swift client over a live loopback
/// port: what a TypeScript or Go worker does, and every way it can go wrong.
@Suite struct RemoteWorkerProtocolTests {
    static let registration = RegisterWorkerRequest(
        name: "ts-content", queues: ["content": 10], labels: ["region": "eu"], sdk: "conveyor-ts/0.1.0", host: "box-1",
        jobTypes: [JobTypeRequest(type: "generate", maxAttempts: 3)])

    /// Expects the call to fail with `status`, and returns the problem.
    @discardableResult
    func expectStatus(
        _ status: Int, sourceLocation: SourceLocation = #_sourceLocation, _ call: () async throws -> some Any
    ) async -> Problem? {
        do {
            _ = try await call()
            Issue.record("expected \(status), got success", sourceLocation: sourceLocation)
        } catch let error as ConveyorClientError {
            #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
            return error.problem
        } catch {
            Issue.record("expected \(status), got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func aRemoteWorkerRunsADeclaredJobTypeEndToEnd() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            #expect(worker.status == .active && worker.leaseSeconds == 60 && worker.heartbeatIntervalSeconds == 15)
            #expect(try await client.claim(worker: worker.id, queue: "content").isEmpty)
            // Declared at registration: enqueueable with the declared defaults.
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: ["prompt": "hi"], metadata: ["user": "u1"]))
            #expect(job.queue == "content" && job.maxAttempts == 3)
            let claimed = try #require(try await client.claim(worker: worker.id, queue: "content", limit: 5).first)
            #expect(claimed.id == job.id && claimed.type == "generate" && claimed.attempt == 1)
            #expect(claimed.payload == ["prompt": "hi"] && claimed.metadata == ["user": "u1"] && claimed.workflow == nil)
            let running = try await client.job(id: job.id)
            #expect(running.state == .running && running.leaseOwner == "worker:\(worker.id)")
            let done = try await client.complete(job: job.id, lease: claimed.lease.token, result: ["words": 42])
            #expect(done.status == .applied && done.state == .succeeded)
            let finished = try await client.job(id: job.id)
            #expect(finished.state == .succeeded && finished.result == ["words": 42])
            // A repeat of the same report is refused and changes nothing.
            await expectStatus(409) { try await client.complete(job: job.id, lease: claimed.lease.token) }
            let listed = try await client.workers()
            #expect(listed.map(\.id) == [worker.id] && listed[0].name == "ts-content" && listed[0].sdk == "conveyor-ts/0.1.0")
            let options = try await client.jobOptions()
            #expect(options.jobTypes.contains { $0.type == "generate" && $0.defaults.queue == "content" })
        }
    }

    @Test func aLongPollAnswersWhenAJobArrivesAndEmptyWhenNoneDoes() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            let started = ContinuousClock.now
            #expect(try await client.claim(worker: worker.id, queue: "content", waitSeconds: 0.3).isEmpty)
            #expect(started.duration(to: .now) >= .milliseconds(250), "an empty long poll waits its time out")

            let poll = Task { try await client.claim(worker: worker.id, queue: "content", limit: 2, waitSeconds: 8) }
            try await Task.sleep(for: .milliseconds(300))
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: ["prompt": "wake"]))
            let jobs = try await poll.value
            #expect(jobs.map(\.id) == [job.id], "the waiting claim takes the job enqueued while it waited")
        }
    }

    @Test func failuresRetryThenFailForGoodAndSnoozesSpendNoAttempt() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            var claim = try #require(try await client.claim(worker: worker.id, queue: "content").first)
            let retried = try await client.fail(job: job.id, lease: claim.lease.token, message: "upstream 503", type: "HTTPError", retryAfterSeconds: 0)
            #expect(retried.state == .retrying)
            let afterRetry = try await client.job(id: job.id)
            #expect(afterRetry.errors.map(\.message) == ["upstream 503"] && afterRetry.errors[0].type == "HTTPError")

            _ = try await harness.store.stageDueJobs(now: Date().addingTimeInterval(1), limit: 10)
            claim = try #require(try await client.claim(worker: worker.id, queue: "content").first)
            #expect(claim.attempt == 2)
            let snoozed = try await client.snooze(job: job.id, lease: claim.lease.token, seconds: 0)
            #expect(snoozed.state == .scheduled)
            #expect(try await client.job(id: job.id).attempt == 1, "a snooze gives its attempt back")

            _ = try await harness.store.stageDueJobs(now: Date().addingTimeInterval(1), limit: 10)
            claim = try #require(try await client.claim(worker: worker.id, queue: "content").first)
            let dead = try await client.fail(job: job.id, lease: claim.lease.token, message: "bad prompt", retryable: false)
            #expect(dead.state == .failed)
            #expect(try await client.job(id: job.id).state == .failed)
        }
    }

    /// A worker whose lease lapsed (a stalled heartbeat) and whose job went to another
    /// worker: its late outcome is refused and the newer attempt's stands.
    @Test func aStaleLeaseIsRefusedAndTheNewerAttemptsOutcomeStands() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let slow = try await client.registerWorker(Self.registration)
            let fast = try await client.registerWorker(Self.registration)
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            let first = try #require(try await client.claim(worker: slow.id, queue: "content").first)
            // The lease runs out: the reaper puts the job back; the other worker takes it.
            #expect(try await harness.store.rescueExpiredLeases(now: Date().addingTimeInterval(3600), limit: 10) == ["content"])
            let second = try #require(try await client.claim(worker: fast.id, queue: "content").first)
            #expect(second.attempt == 2)
            let beat = try await client.heartbeat(worker: slow.id, leases: [first.lease.token])
            #expect(beat.lost == [job.id] && beat.cancel.isEmpty)
            let refused = await expectStatus(409) { try await client.complete(job: job.id, lease: first.lease.token, result: "stale") }
            #expect(refused?.detail.contains("no longer held") == true)
            try await client.complete(job: job.id, lease: second.lease.token, result: "fresh")
            let finished = try await client.job(id: job.id)
            #expect(finished.state == .succeeded && finished.result == "fresh" && finished.attempt == 2)
        }
    }

    @Test func aCancelledJobsWorkerLearnsAtItsHeartbeatAndTheJobEndsCancelled() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            let claim = try #require(try await client.claim(worker: worker.id, queue: "content").first)
            let before = try await client.heartbeat(worker: worker.id, leases: [claim.lease.token])
            #expect(before.cancel.isEmpty && before.lost.isEmpty && !before.quiet && !before.stop)
            #expect(before.leaseExpiresAt > claim.lease.expiresAt.addingTimeInterval(-1))
            _ = try await client.cancel(id: job.id)
            let beat = try await client.heartbeat(worker: worker.id, leases: [claim.lease.token])
            #expect(beat.cancel == [job.id])
            let result = try await client.fail(job: job.id, lease: claim.lease.token, message: "aborted")
            #expect(result.state == .cancelled)
            #expect(try await client.job(id: job.id).state == .cancelled, "cancelled, not retried")
        }
    }

    @Test func quietWorkersClaimNothingAndStoppedOnesAreRefused() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            _ = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            #expect(try await client.quietWorker(worker.id).status == .quiet)
            #expect(try await client.claim(worker: worker.id, queue: "content", waitSeconds: 5).isEmpty, "a quiet worker does not wait either")
            #expect(try await client.heartbeat(worker: worker.id, leases: []).quiet)
            #expect(try await client.stopWorker(worker.id).status == .stopped)
            #expect(try await client.heartbeat(worker: worker.id, leases: []).stop)
            await expectStatus(409) { try await client.claim(worker: worker.id, queue: "content") }
        }
    }

    /// Forged, foreign and malformed leases change nothing, and each answer says why.
    @Test func leasesAreUnforgeable() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            let other = try await client.registerWorker(Self.registration)
            let (a, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            let (b, _) = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:]))
            let claims = try await client.claim(worker: worker.id, queue: "content", limit: 2)
            let leaseA = try #require(claims.first { $0.id == a.id }?.lease.token)
            // Knowing the job, its attempt and lease_owner is not enough without the worker's secret.
            let forged = Data("\(a.id).1.\(worker.id).AAAAAAAAAAAAAAAAAAAAAA".utf8).base64URLEncodedString()
            await expectStatus(409) { try await client.complete(job: a.id, lease: forged) }
            // A's lease on job B, and a token that is not one.
            await expectStatus(422) { try await client.complete(job: b.id, lease: leaseA) }
            let problem = await expectStatus(422) { try await client.complete(job: a.id, lease: "nonsense") }
            #expect(problem?.errors?.first?.field == "lease")
            #expect(problem?.errors?.first?.message.hasPrefix("not this job's lease token") == true, "the field is named once")
            let results = try await client.reportOutcomes(
                worker: other.id, [WorkerOutcomeRequest(jobID: a.id, outcome: .complete, lease: leaseA)])
            #expect(results.map(\.status) == [.conflict], "a lease of another worker, in a batch")
            #expect(try await client.job(id: a.id).state == .running)
        }
    }

    @Test func aBatchOfOutcomesIsAnsweredOneByOne() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(Self.registration)
            for _ in 0..<3 { _ = try await client.enqueue(EnqueueRequest(type: "generate", payload: [:])) }
            let claims = try await client.claim(worker: worker.id, queue: "content", limit: 10)
            #expect(claims.count == 3)
            let results = try await client.reportOutcomes(
                worker: worker.id,
                [
                    WorkerOutcomeRequest(jobID: claims[0].id, outcome: .complete, lease: claims[0].lease.token, result: 1),
                    WorkerOutcomeRequest(jobID: claims[1].id, outcome: .fail, lease: claims[1].lease.token),
                    WorkerOutcomeRequest(jobID: claims[2].id, outcome: .snooze, lease: claims[2].lease.token, seconds: 60),
                    WorkerOutcomeRequest(jobID: "missing", outcome: .complete, lease: claims[0].lease.token),
                ])
            #expect(results.map(\.status) == [.applied, .invalid, .applied, .invalid])
            #expect(results[1].detail?.contains("outcomes[1].error") == true)
            #expect(results[2].state == .scheduled)
            #expect(try await client.job(id: claims[0].id).state == .succeeded)
            #expect(try await client.job(id: claims[1].id).state == .running, "the malformed outcome changed nothing")
        }
    }

    @Test func malformedRequestsNameTheField() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            var bad = Self.registration
            bad.queues = ["content": 0, "bad queue": 1]
            bad.leaseSeconds = 1
            let problem = await expectStatus(422) { try await client.registerWorker(bad) }
            // With two queues, a declared type must say which is its own.
            #expect(
                Set(problem?.errors?.map(\.field) ?? []) == ["queues.content", "queues.bad queue", "lease_seconds", "job_types[0].queue"])
            let worker = try await client.registerWorker(Self.registration)
            let wrongQueue = await expectStatus(422) { try await client.claim(worker: worker.id, queue: "emails") }
            #expect(wrongQueue?.errors?.map(\.field) == ["queue"])
            let tooLong = await expectStatus(422) { try await client.claim(worker: worker.id, queue: "content", limit: 0, waitSeconds: 31) }
            #expect(Set(tooLong?.errors?.map(\.field) ?? []) == ["limit", "wait_seconds"])
            await expectStatus(404) { try await client.claim(worker: "nobody", queue: "content") }
            #expect(try await client.workers().count == 1, "the refused registration wrote nothing")
        }
    }

    /// A type no Swift handler runs must be declared; its payload schema is checked at enqueue.
    @Test func undeclaredTypesAreRefusedAndDeclaredSchemasChecked() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let unknown = await expectStatus(422) { try await client.enqueue(EnqueueRequest(type: "scrape", payload: [:])) }
            #expect(unknown?.errors?.first?.field == "type")
            #expect(unknown?.errors?.first?.message.contains("PUT /v1/job-types/scrape") == true)
            let schema: JSONValue = [
                "type": "object", "required": ["url"], "properties": ["url": ["type": "string"]],
            ]
            let declared = try await client.putJobType("scrape", JobTypeRequest(queue: "crawl", maxAttempts: 5, payloadSchema: schema))
            #expect(declared.defaults.queue == "crawl" && declared.declaredBy == "api")
            let badPayload = await expectStatus(422) { try await client.enqueue(EnqueueRequest(type: "scrape", payload: ["url": 3])) }
            #expect(badPayload?.errors?.first?.field == "payload.url")
            let (job, _) = try await client.enqueue(EnqueueRequest(type: "scrape", payload: ["url": "https://example.com"]))
            #expect(job.queue == "crawl" && job.maxAttempts == 5)
            // A worker registering the same type does not override the operator's declaration.
            _ = try await client.registerWorker(
                RegisterWorkerRequest(name: "crawler", queues: ["content": 1], jobTypes: [JobTypeRequest(type: "scrape")]))
            #expect(try await client.jobTypes().first { $0.type == "scrape" }?.defaults.queue == "crawl")
            try await client.deleteJobType("scrape")
            await expectStatus(422) { try await client.enqueue(EnqueueRequest(type: "scrape", payload: ["url": "x"])) }
        }
    }
}
