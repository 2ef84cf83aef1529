import ConveyorCore
import Foundation
import Testing

/// The ``ScheduleStore`` contract, run once per driver: schedules named by tenant and id,
/// the due list the scheduler polls, and the fenced firing transaction.
@Suite("ScheduleStore conformance")
struct ScheduleStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func schedule(_ id: String, tenant: String = "acme", next: Date?, paused: Bool = false) -> Schedule {
        Schedule(
            id: id, tenant: tenant, cron: "*/5 * * * *", timezone: "UTC",
            job: ScheduleJob(type: "report", queue: "reports", payload: ["kind": "daily"], tags: ["cron"]),
            overlap: .allow, misfire: .runOnce, paused: paused, nextRunAt: next, createdAt: t0, updatedAt: t0, createdBy: "key:abc")
    }

    func job(_ id: String, tenant: String = "acme", idempotencyKey: String? = nil) -> NewJob {
        NewJob(id: id, type: "report", queue: "reports", runAt: t0, idempotencyKey: idempotencyKey, tenant: tenant, createdAt: t0)
    }

    func fire(
        _ store: any StoreDriver, _ id: String, tenant: String = "acme", expected: Date?, next: Date?, job: NewJob?,
        fireTime: Date? = nil, skipWhileActive: Bool = false, skippedOutcome: String? = nil
    ) async throws -> ScheduleFiringResult {
        try await store.fireSchedule(
            ScheduleFiring(
                tenant: tenant, scheduleID: id, expectedNextRunAt: expected, nextRunAt: next, job: job, fireTime: fireTime ?? expected ?? t0,
                skipWhileActive: skipWhileActive, skippedOutcome: skippedOutcome, now: t0))
    }

    // MARK: createSchedule

    @Test(arguments: StoreKind.allCases)
    func createScheduleInsertsOncePerTenantAndID(kind: StoreKind) async throws {
        let store = try await kind.make()
        let nightly = schedule("nightly", next: t0 + 300)
        #expect(try await store.createSchedule(nightly))
        #expect(try await store.schedule(tenant: "acme", id: "nightly") == nightly)
        var again = nightly
        again.cron = "0 0 * * *"
        #expect(try await store.createSchedule(again) == false, "the id is taken in this tenant")
        #expect(try await store.schedule(tenant: "acme", id: "nightly")?.cron == "*/5 * * * *", "nothing written")
        // Another tenant may use the same id.
        #expect(try await store.createSchedule(schedule("nightly", tenant: "globex", next: t0 + 60)))
        #expect(try await store.schedules(tenant: nil).count == 2)
    }

    // MARK: schedule

    @Test(arguments: StoreKind.allCases)
    func scheduleReadsByTenantAndIDOnly(kind: StoreKind) async throws {
        let store = try await kind.make()
        var full = schedule("s1", next: nil, paused: true)
        full.lastFiredAt = t0 - 60
        full.lastJobID = "job-0"
        full.lastOutcome = "fired"
        full.source = "config"
        full.overlap = .cancelPrevious
        full.misfire = .catchUp
        full.timezone = "Europe/Paris"
        #expect(try await store.createSchedule(full))
        #expect(try await store.schedule(tenant: "acme", id: "s1") == full, "every field round-trips")
        #expect(try await store.schedule(tenant: "globex", id: "s1") == nil)
        #expect(try await store.schedule(tenant: "acme", id: "s2") == nil)
    }

    // MARK: schedules

    @Test(arguments: StoreKind.allCases)
    func schedulesListsAllOrOneTenantByID(kind: StoreKind) async throws {
        let store = try await kind.make()
        for (id, tenant) in [("b", "acme"), ("a", "globex"), ("c", "acme"), ("a", "acme")] {
            #expect(try await store.createSchedule(schedule(id, tenant: tenant, next: t0)))
        }
        #expect(try await store.schedules(tenant: "acme").map(\.id) == ["a", "b", "c"])
        #expect(try await store.schedules(tenant: "globex").map(\.id) == ["a"])
        #expect(try await store.schedules(tenant: "initech").isEmpty)
        let all = try await store.schedules(tenant: nil)
        #expect(all.map { "\($0.id)/\($0.tenant)" } == ["a/acme", "a/globex", "b/acme", "c/acme"])
    }

    // MARK: updateSchedule

    @Test(arguments: StoreKind.allCases)
    func updateScheduleWritesTheDefinitionAndKeepsTheFiringRecord(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("s", next: t0)))
        _ = try await fire(store, "s", expected: t0, next: t0 + 300, job: job("j1"))
        let fired = try #require(try await store.schedule(tenant: "acme", id: "s"))

        var changed = fired
        changed.cron = "0 * * * *"
        changed.timezone = "America/New_York"
        changed.job = ScheduleJob(type: "other")
        changed.overlap = .skip
        changed.misfire = .skip
        changed.paused = true
        changed.source = "config"
        changed.nextRunAt = t0 + 3600
        changed.updatedAt = t0 + 10
        // Fields the update does not write.
        changed.lastFiredAt = nil
        changed.lastJobID = "forged"
        changed.lastOutcome = "forged"
        changed.createdAt = t0 + 999
        changed.createdBy = "someone-else"
        #expect(try await store.updateSchedule(changed))
        let read = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(read.cron == "0 * * * *" && read.timezone == "America/New_York" && read.job == ScheduleJob(type: "other"))
        #expect(read.overlap == .skip && read.misfire == .skip && read.paused && read.source == "config")
        #expect(read.nextRunAt == t0 + 3600 && read.updatedAt == t0 + 10)
        #expect(read.lastFiredAt == fired.lastFiredAt && read.lastJobID == "j1" && read.lastOutcome == "fired")
        #expect(read.createdAt == t0 && read.createdBy == "key:abc")

        // Found by tenant and id: another tenant's schedule of that id is not touched.
        var foreign = changed
        foreign.tenant = "globex"
        #expect(try await store.updateSchedule(foreign) == false)
        #expect(try await store.schedule(tenant: "globex", id: "s") == nil)
    }

    // MARK: deleteSchedule

    @Test(arguments: StoreKind.allCases)
    func deleteScheduleRemovesOnlyThatTenantsAndKeepsItsJobs(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("s", next: t0)))
        #expect(try await store.createSchedule(schedule("s", tenant: "globex", next: t0)))
        _ = try await fire(store, "s", expected: t0, next: t0 + 300, job: job("j1"))
        #expect(try await store.deleteSchedule(tenant: "acme", id: "s"))
        #expect(try await store.deleteSchedule(tenant: "acme", id: "s") == false)
        #expect(try await store.schedule(tenant: "acme", id: "s") == nil)
        #expect(try await store.schedule(tenant: "globex", id: "s") != nil)
        #expect(try await store.job(id: "j1") != nil, "its jobs stay")
        #expect(try await fire(store, "s", expected: t0 + 300, next: t0 + 600, job: job("j2")) == .notFound)
        #expect(try await store.job(id: "j2") == nil)
    }

    // MARK: dueSchedules

    @Test(arguments: StoreKind.allCases)
    func dueSchedulesAreUnpausedAndDueEarliestFirst(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("late", next: t0 + 10)))
        #expect(try await store.createSchedule(schedule("early", tenant: "globex", next: t0 - 10)))
        #expect(try await store.createSchedule(schedule("now", next: t0)))
        #expect(try await store.createSchedule(schedule("paused", next: t0 - 100, paused: true)))
        #expect(try await store.createSchedule(schedule("never", next: nil)))
        #expect(try await store.dueSchedules(now: t0, limit: 10).map(\.id) == ["early", "now"], "at or before now")
        #expect(try await store.dueSchedules(now: t0, limit: 1).map(\.id) == ["early"])
        #expect(try await store.dueSchedules(now: t0 + 10, limit: 10).map(\.id) == ["early", "now", "late"])
        #expect(try await store.dueSchedules(now: t0 - 11, limit: 10).isEmpty)
        // Firing moves a schedule off the list.
        _ = try await fire(store, "early", tenant: "globex", expected: t0 - 10, next: t0 + 20, job: nil)
        #expect(try await store.dueSchedules(now: t0, limit: 10).map(\.id) == ["now"])
    }

    // MARK: nextScheduleRunAt

    @Test(arguments: StoreKind.allCases)
    func nextScheduleRunAtIsTheEarliestUnpaused(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.nextScheduleRunAt() == nil)
        #expect(try await store.createSchedule(schedule("paused", next: t0 - 100, paused: true)))
        #expect(try await store.createSchedule(schedule("never", next: nil)))
        #expect(try await store.nextScheduleRunAt() == nil, "paused and unset ones do not count")
        #expect(try await store.createSchedule(schedule("b", next: t0 + 50)))
        #expect(try await store.createSchedule(schedule("a", tenant: "globex", next: t0 + 20)))
        #expect(try await store.nextScheduleRunAt() == t0 + 20)
        _ = try await fire(store, "a", tenant: "globex", expected: t0 + 20, next: t0 + 80, job: nil)
        #expect(try await store.nextScheduleRunAt() == t0 + 50)
    }

    // MARK: fireSchedule

    @Test(arguments: StoreKind.allCases)
    func fireScheduleInsertsTheJobAndMovesOnInOneStep(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("s", next: t0)))
        let result = try await fire(store, "s", expected: t0, next: t0 + 300, job: job("j1"), fireTime: t0)
        guard case .fired(let fired) = result else {
            Issue.record("expected fired, got \(result)")
            return
        }
        #expect(fired.id == "j1" && fired.state == .queued && fired.tenant == "acme")
        #expect(try await store.job(id: "j1")?.id == "j1")
        #expect(try await store.readEvents(EventQuery(after: 0, key: "j1")).events.map(\.type) == ["job.submitted"])
        let s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 300 && s.lastFiredAt == t0 && s.lastJobID == "j1" && s.lastOutcome == "fired")
    }

    @Test(arguments: StoreKind.allCases)
    func fireScheduleIsFencedByTheExpectedNextRun(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("s", next: t0)))
        #expect(try await fire(store, "s", expected: t0, next: t0 + 300, job: job("j1")) != .stale)
        // A second scheduler read the old next_run_at: it writes nothing.
        #expect(try await fire(store, "s", expected: t0, next: t0 + 300, job: job("j2")) == .stale)
        #expect(try await store.job(id: "j2") == nil)
        let s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 300 && s.lastJobID == "j1")
        // Racing schedulers fire one job between them.
        let t0 = self.t0
        let results = try await withThrowingTaskGroup(of: ScheduleFiringResult.self) { group in
            for i in 0..<6 {
                group.addTask {
                    try await store.fireSchedule(
                        ScheduleFiring(
                            tenant: "acme", scheduleID: "s", expectedNextRunAt: t0 + 300, nextRunAt: t0 + 600,
                            job: NewJob(id: "race-\(i)", type: "report", runAt: t0, tenant: "acme", createdAt: t0), fireTime: t0 + 300,
                            now: t0))
                }
            }
            return try await group.reduce(into: [ScheduleFiringResult]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == .stale }.count == 5)
        #expect(try await store.listJobs(JobQuery(limit: 100)).jobs.count == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func fireScheduleReportsDuplicatesOverlapsSkipsAndManualRuns(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.createSchedule(schedule("s", next: t0)))
        // The job's id exists (a firing retried after a crash): nothing inserted, the schedule moves on.
        _ = try await store.insertJobs([job("taken")])
        #expect(try await fire(store, "s", expected: t0, next: t0 + 300, job: job("taken")) == .duplicate(jobID: "taken"))
        var s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 300 && s.lastOutcome == "duplicate" && s.lastJobID == "taken")
        // So does an idempotency key already used in the tenant.
        _ = try await store.insertJobs([job("keyed", idempotencyKey: "k")])
        #expect(
            try await fire(store, "s", expected: t0 + 300, next: t0 + 600, job: job("other-id", idempotencyKey: "k"))
                == .duplicate(jobID: "other-id"))
        #expect(try await store.job(id: "other-id") == nil)

        // overlap: skip. A last job that does not exist (the duplicate above) holds nothing back…
        guard case .fired = try await fire(store, "s", expected: t0 + 600, next: t0 + 900, job: job("j3"), skipWhileActive: true) else {
            Issue.record("no active last job: fired")
            return
        }
        // …one still waiting does: nothing inserted, the schedule moves on, its last job stays.
        #expect(
            try await fire(store, "s", expected: t0 + 900, next: t0 + 1200, job: job("j4"), skipWhileActive: true)
                == .skippedOverlap(previousJobID: "j3"))
        #expect(try await store.job(id: "j4") == nil)
        s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 1200 && s.lastOutcome == "skipped_overlap" && s.lastJobID == "j3")
        // Without skip, it fires beside the waiting one.
        guard case .fired = try await fire(store, "s", expected: t0 + 1200, next: t0 + 1200, job: job("j5")) else {
            Issue.record("overlap allowed: fired")
            return
        }
        _ = try await store.cancelJob(id: "j5", now: t0)
        #expect(try await fire(store, "s", expected: t0 + 1200, next: t0 + 1200, job: job("j6"), skipWhileActive: true).outcome == "fired",
            "a finished last job holds nothing back")

        // No job asked for: recorded as the caller says, and moved on.
        #expect(try await fire(store, "s", expected: t0 + 1200, next: t0 + 1500, job: nil, skippedOutcome: "skipped_misfire") == .skipped)
        s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 1500 && s.lastOutcome == "skipped_misfire")

        // A manual run (no fence) fires and leaves next_run_at where it was.
        guard case .fired = try await fire(store, "s", expected: nil, next: t0 + 99_999, job: job("manual"), fireTime: t0 + 5) else {
            Issue.record("a manual run fires")
            return
        }
        s = try #require(try await store.schedule(tenant: "acme", id: "s"))
        #expect(s.nextRunAt == t0 + 1500 && s.lastJobID == "manual" && s.lastFiredAt == t0 + 5 && s.lastOutcome == "fired")
        #expect(try await fire(store, "missing", expected: nil, next: nil, job: job("x")) == .notFound)
    }
}
