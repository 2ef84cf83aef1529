import ConveyorCore
import Foundation
import Testing

/// One suite for every store: each behaviour of the `JobStore` contract, run once per driver.
@Suite("JobStore conformance")
struct JobStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func lease(_ seconds: Double = 30) -> Date { t0.addingTimeInterval(seconds) }

    // MARK: insertJobs

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
    func aBatchReadReturnsTheJobsThatExist(kind: StoreKind) async throws {
        let store = try await kind.make()
        let jobs = try await store.insertJobs([.test(at: t0), .test(at: t0), .test(at: t0)]).map(\.job)
        let read = try await store.jobs(ids: [jobs[2].id, "missing", jobs[0].id])
        #expect(Set(read.map(\.id)) == [jobs[0].id, jobs[2].id])
        #expect(read.first { $0.id == jobs[0].id } == jobs[0])
        #expect(try await store.jobs(ids: []).isEmpty)
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

    // MARK: cancelJob

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

    // MARK: retryJob

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

    // MARK: listJobs

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

    // MARK: mergeMetadata

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

    // MARK: queueStats

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


    // MARK: job

    @Test(arguments: StoreKind.allCases)
    func jobReadsOneJobOrNothing(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.job(id: "missing") == nil)
        var new = NewJob.test(type: "render", queue: "media", priority: 7, at: t0, maxAttempts: 5, idempotencyKey: "k", tenant: "acme", tags: ["a", "b"])
        new.metadata = ["m": true]
        new.timeoutSeconds = 12.5
        let inserted = try await store.insertJobs([new])[0].job
        let read = try #require(try await store.job(id: new.id))
        #expect(read == inserted)
        #expect(read.type == "render" && read.queue == "media" && read.priority == 7 && read.maxAttempts == 5)
        #expect(read.idempotencyKey == "k" && read.tenant == "acme" && read.tags == ["a", "b"] && read.metadata == ["m": true])
        #expect(read.timeoutSeconds == 12.5 && read.payload == ["n": 1] && read.backoff == .fixed(seconds: 10))
        #expect(read.attempt == 0 && read.errors.isEmpty && read.result == nil && read.createdAt == t0)
    }

    // MARK: queueNames

    @Test(arguments: StoreKind.allCases)
    func queueNamesAreOneTenantsDistinctQueuesSorted(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.queueNames(tenant: "acme").isEmpty)
        _ = try await store.insertJobs([
            .test(queue: "zeta", at: t0, tenant: "acme"), .test(queue: "alpha", at: t0, tenant: "acme"),
            .test(queue: "zeta", at: t0, tenant: "acme"), .test(queue: "secret-project", at: t0, tenant: "globex"),
        ])
        #expect(try await store.queueNames(tenant: "acme") == ["alpha", "zeta"])
        #expect(try await store.queueNames(tenant: "globex") == ["secret-project"], "never another tenant's queues")
        #expect(try await store.queueNames(tenant: "initech").isEmpty)
        // Settings alone do not make a queue one of the tenant's.
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 1), queue: "configured", now: t0)
        #expect(try await store.queueNames(tenant: "acme") == ["alpha", "zeta"])
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
