import ConveyorCore
import Foundation
import Testing

@testable import ConveyorCore

/// A conveyor over a fresh store with a manual clock, and schedulers to tick by hand.
struct ScheduleWorld {
    let store: any StoreDriver
    let clock: ManualClock
    let conveyor: Conveyor

    init(_ kind: StoreKind, at start: String = "2026-01-01T00:00:30Z") async throws {
        store = try await kind.make()
        clock = ManualClock(utc(start))
        var registry = JobRegistry()
        registry.register(EchoJob())
        conveyor = Conveyor(store: store, registry: registry, clock: clock)
    }

    /// A second node on the same store: a scheduler of its own.
    func anotherConveyor() -> Conveyor {
        var registry = JobRegistry()
        registry.register(EchoJob())
        return Conveyor(store: store, registry: registry, clock: clock)
    }

    func scheduler() -> CronScheduler { CronScheduler(conveyor: conveyor) }

    @discardableResult
    func create(
        _ id: String = "every5", cron: String = "*/5 * * * *", timezone: String? = nil, overlap: ScheduleOverlap = .allow,
        misfire: ScheduleMisfire = .runOnce, tenant: String? = nil
    ) async throws -> Schedule {
        try await conveyor.createSchedule(
            ScheduleRequest(
                id: id, cron: cron, timezone: timezone, job: ScheduleJob(type: EchoJob.type, payload: ["text": "tick"], tags: ["report"]),
                overlap: overlap, misfire: misfire, tenant: tenant))
    }

    func set(_ text: String) {
        clock.advance(by: utc(text).timeIntervalSince(clock.now()))
    }

    /// The schedule's jobs, oldest first.
    func jobs(_ id: String = "every5") async throws -> [Job] {
        try await store.listJobs(JobQuery(tag: "schedule:\(id)", limit: 1000)).jobs.reversed()
    }

    func tick() async throws {
        _ = try await scheduler().tick()
    }
}

extension ScheduleTests {
    @Suite("Cron scheduler") struct ScheduleEngineTests {
        @Test(arguments: StoreKind.allCases)
        func firesExactlyOneJobPerFireTime(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            let created = try await w.create()
            #expect(created.nextRunAt == utc("2026-01-01T00:05:00Z"))
            #expect(created.nextRunTimes?.count == 5)

            w.set("2026-01-01T00:04:59Z")
            try await w.tick()
            #expect(try await w.jobs().isEmpty, "nothing is due yet")

            w.set("2026-01-01T00:05:00Z")
            try await w.tick()
            try await w.tick()
            var jobs = try await w.jobs()
            #expect(jobs.count == 1)
            let job = try #require(jobs.first)
            let fire = utc("2026-01-01T00:05:00Z")
            #expect(job.id == ScheduleJobID.make(tenant: "default", scheduleID: "every5", fireTime: fire))
            #expect(job.idempotencyKey == "schedule:every5:2026-01-01T00:05:00.000Z")
            #expect(job.tags.contains("schedule:every5") && job.tags.contains("report"))
            #expect(job.metadata["schedule_id"] == .string("every5"))
            #expect(job.metadata["fire_time"] == .string("2026-01-01T00:05:00.000Z"))
            #expect(job.tenant == "default" && job.state == .queued && job.type == EchoJob.type)
            // The insert appended job.submitted in the same transaction.
            let events = try await w.store.readEvents(EventQuery(key: job.id, limit: 10)).events
            #expect(events.map(\.topic) == ["job.submitted"])

            let schedule = try await w.conveyor.schedule(id: "every5")
            #expect(schedule.lastOutcome == "fired")
            #expect(schedule.lastJobID == job.id)
            #expect(schedule.lastFiredAt == fire)
            #expect(schedule.lastJobState == .queued)
            #expect(schedule.nextRunAt == utc("2026-01-01T00:10:00Z"))

            w.set("2026-01-01T00:10:10Z")
            try await w.tick()
            jobs = try await w.jobs()
            #expect(jobs.map(\.id) == [job.id, ScheduleJobID.make(tenant: "default", scheduleID: "every5", fireTime: utc("2026-01-01T00:10:00Z"))])
        }

        @Test(arguments: StoreKind.allCases)
        func twoSchedulersAtOnceMakeOneJobPerFireTime(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(cron: "* * * * *")
            let a = w.scheduler()
            let b = CronScheduler(conveyor: w.anotherConveyor())
            for minute in 1...6 {
                w.set(String(format: "2026-01-01T00:%02d:00Z", minute))
                async let first = a.tick()
                async let second = b.tick()
                _ = try await (first, second)
            }
            let jobs = try await w.jobs()
            #expect(jobs.count == 6, "\(jobs.map { $0.metadata["fire_time"] })")
            #expect(Set(jobs.map(\.id)).count == 6)
        }

        @Test(arguments: StoreKind.allCases)
        func aSchedulerWithAStaleViewCreatesNothing(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create()
            w.set("2026-01-01T00:05:00Z")
            // A split-brain leader read the schedule before the other fired it...
            let stale = try #require(try await w.store.schedule(tenant: "default", id: "every5"))
            try await w.tick()
            // ...and fires from that view: the fence stops it.
            try await CronScheduler(conveyor: w.anotherConveyor()).fire(stale, now: w.clock.now())
            let afterStale = try #require(try await w.store.schedule(tenant: "default", id: "every5"))
            #expect(afterStale.lastOutcome == "fired", "the stale firing wrote nothing")
            #expect(afterStale.nextRunAt == utc("2026-01-01T00:10:00Z"))
            // Without the fence (a manual firing of the same time), the deterministic id stops it.
            let job = try w.conveyor.firingJob(stale, fireTime: utc("2026-01-01T00:05:00Z"), now: w.clock.now(), types: w.conveyor.registeredTypes)
            let again = try await w.store.fireSchedule(
                ScheduleFiring(tenant: "default", scheduleID: "every5", expectedNextRunAt: nil, nextRunAt: nil, job: job, fireTime: utc("2026-01-01T00:05:00Z"), now: w.clock.now()))
            #expect(again == .duplicate(jobID: job.id))
            #expect(try await w.jobs().count == 1)
            #expect(try await w.store.schedule(tenant: "default", id: "every5")?.lastOutcome == "duplicate")
        }

        @Test(arguments: StoreKind.allCases)
        func aRestartNeitherForgetsNorDoubleFires(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create()
            w.set("2026-01-01T00:05:00Z")
            try await w.tick()
            // A new process: a new Conveyor and scheduler over the same store.
            let restarted = CronScheduler(conveyor: w.anotherConveyor())
            _ = try await restarted.tick()
            #expect(try await w.jobs().count == 1, "the fired time is not fired again")
            w.set("2026-01-01T00:10:00Z")
            _ = try await restarted.tick()
            #expect(try await w.jobs().count == 2, "the next time is not forgotten")
        }

        @Test(arguments: StoreKind.allCases)
        func overlapSkipWaitsForThePreviousJob(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(overlap: .skip)
            w.set("2026-01-01T00:05:00Z")
            try await w.tick()
            let first = try #require(try await w.jobs().first)
            w.set("2026-01-01T00:10:00Z")
            try await w.tick()
            #expect(try await w.jobs().count == 1, "the first job is still queued")
            var schedule = try await w.conveyor.schedule(id: "every5")
            #expect(schedule.lastOutcome == "skipped_overlap")
            #expect(schedule.lastJobID == first.id)
            #expect(schedule.nextRunAt == utc("2026-01-01T00:15:00Z"))
            // Once it has ended, the next time fires.
            _ = try await w.conveyor.cancel(id: first.id)
            w.set("2026-01-01T00:15:00Z")
            try await w.tick()
            #expect(try await w.jobs().count == 2)
            schedule = try await w.conveyor.schedule(id: "every5")
            #expect(schedule.lastOutcome == "fired")
        }

        @Test(arguments: StoreKind.allCases)
        func overlapAllowFiresRegardless(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(overlap: .allow)
            for minute in [5, 10, 15] {
                w.set(String(format: "2026-01-01T00:%02d:00Z", minute))
                try await w.tick()
            }
            let jobs = try await w.jobs()
            #expect(jobs.count == 3 && jobs.allSatisfy { $0.state == .queued })
        }

        @Test(arguments: StoreKind.allCases)
        func overlapCancelPreviousCancelsThenFires(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(overlap: .cancelPrevious)
            w.set("2026-01-01T00:05:00Z")
            try await w.tick()
            w.set("2026-01-01T00:10:00Z")
            try await w.tick()
            let jobs = try await w.jobs()
            #expect(jobs.map(\.state) == [.cancelled, .queued])
        }

        @Test(arguments: StoreKind.allCases)
        func misfireSkipDropsMissedTimes(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(misfire: .skip)
            // Down from 00:04 to 00:32:30: 00:05 … 00:30 were missed by more than the grace.
            w.set("2026-01-01T00:32:30Z")
            try await w.tick()
            #expect(try await w.jobs().isEmpty)
            let schedule = try await w.conveyor.schedule(id: "every5")
            #expect(schedule.lastOutcome == "skipped_misfire")
            #expect(schedule.nextRunAt == utc("2026-01-01T00:35:00Z"))
            w.set("2026-01-01T00:35:00Z")
            try await w.tick()
            #expect(try await w.jobs().count == 1)
        }

        @Test(arguments: StoreKind.allCases)
        func misfireSkipStillFiresATimeWithinTheGrace(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(misfire: .skip)
            w.set("2026-01-01T00:10:30Z")
            try await w.tick()
            let jobs = try await w.jobs()
            #expect(jobs.map { $0.metadata["fire_time"] } == [.string("2026-01-01T00:10:00.000Z")])
        }

        @Test(arguments: StoreKind.allCases)
        func misfireRunOnceFiresTheLatestMissedTime(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(misfire: .runOnce)
            w.set("2026-01-01T00:32:30Z")
            try await w.tick()
            let jobs = try await w.jobs()
            #expect(jobs.map { $0.metadata["fire_time"] } == [.string("2026-01-01T00:30:00.000Z")])
            #expect(try await w.conveyor.schedule(id: "every5").nextRunAt == utc("2026-01-01T00:35:00Z"))
        }

        @Test(arguments: StoreKind.allCases)
        func misfireCatchUpFiresEveryMissedTime(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(overlap: .allow, misfire: .catchUp)
            w.set("2026-01-01T00:32:30Z")
            try await w.tick()
            let jobs = try await w.jobs()
            #expect(jobs.count == 6)
            #expect(jobs.map { $0.metadata["fire_time"] } == [5, 10, 15, 20, 25, 30].map { .string(String(format: "2026-01-01T00:%02d:00.000Z", $0)) })
            #expect(try await w.conveyor.schedule(id: "every5").nextRunAt == utc("2026-01-01T00:35:00Z"))
        }

        @Test func catchUpIsCappedPerRound() throws {
            let now = utc("2026-01-02T00:00:00Z")
            let schedule = Schedule(
                id: "s", tenant: "default", cron: "* * * * *", timezone: "UTC", job: ScheduleJob(type: "echo"), misfire: .catchUp,
                nextRunAt: utc("2026-01-01T00:00:00Z"), createdAt: now, updatedAt: now)
            let steps = CronScheduler.plan(schedule, cron: try CronExpression("* * * * *"), zone: zone("UTC"), now: now)
            #expect(steps.count == CronScheduler.maxFiringsPerRound)
            #expect(steps.last?.next == utc("2026-01-01T16:40:00Z"), "the rest follow in the next rounds")
        }

        @Test(arguments: StoreKind.allCases)
        func aScheduleThatCannotFireDoesNotHoldTheOthersBack(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create()
            // A row written by hand, bypassing validation, with an expression that no longer parses.
            let now = w.clock.now()
            let broken = Schedule(
                id: "broken", tenant: "default", cron: "bogus", timezone: "UTC", job: ScheduleJob(type: EchoJob.type),
                nextRunAt: utc("2026-01-01T00:01:00Z"), createdAt: now, updatedAt: now)
            #expect(try await w.store.createSchedule(broken))
            w.set("2026-01-01T00:05:00Z")
            let wait = try await w.scheduler().tick()
            #expect(try await w.jobs().count == 1, "the healthy schedule fired")
            #expect(wait == .seconds(1), "the broken one is looked at again after the interval, not in a busy loop")
        }

        @Test(arguments: StoreKind.allCases)
        func pausedSchedulesDoNotFireAndResumeFromNow(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create()
            _ = try await w.conveyor.updateSchedule(id: "every5", patch: SchedulePatch(paused: true))
            w.set("2026-01-01T00:20:00Z")
            try await w.tick()
            #expect(try await w.jobs().isEmpty)
            let resumed = try await w.conveyor.updateSchedule(id: "every5", patch: SchedulePatch(paused: false))
            #expect(resumed.nextRunAt == utc("2026-01-01T00:25:00Z"))
        }

        @Test(arguments: StoreKind.allCases)
        func triggerFiresNowOnceAndKeepsTheNextRun(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            try await w.create(tenant: "acme")
            w.set("2026-01-01T00:01:00Z")
            // Ids are per tenant: in-process code names the tenant (the default is `default`).
            let first = try await w.conveyor.triggerSchedule(id: "every5", tenant: "acme")
            #expect(first.created && first.job.tenant == "acme")
            let again = try await w.conveyor.triggerSchedule(id: "every5", tenant: "acme")
            #expect(!again.created && again.job.id == first.job.id, "the same instant is one job")
            #expect(try await w.jobs().count == 1)
            #expect(try await w.conveyor.schedule(id: "every5", tenant: "acme").nextRunAt == utc("2026-01-01T00:05:00Z"))
        }

        @Test(arguments: StoreKind.allCases)
        func dstSpringForwardFiresOnceThroughTheScheduler(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind, at: "2026-03-29T00:00:00Z")
            try await w.create("berlin", cron: "0,30 2-3 * * *", timezone: "Europe/Berlin")
            for minute in stride(from: 0, through: 180, by: 5) {
                w.set("2026-03-29T00:00:00Z")
                w.clock.advance(by: Double(minute * 60))
                try await w.tick()
            }
            let fired = try await w.jobs("berlin").map { $0.metadata["fire_time"] }
            #expect(fired == [.string("2026-03-29T01:00:00.000Z"), .string("2026-03-29T01:30:00.000Z")])
        }

        @Test(arguments: StoreKind.allCases)
        func configFileUpsertKeepsStateUnlessTheTimingChanged(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            let scrape = ScheduleRequest(id: "scrape", cron: "0 */6 * * *", job: ScheduleJob(type: EchoJob.type, payload: ["text": "scrape"]))
            let analytics = ScheduleRequest(id: "analytics", cron: "@hourly", job: ScheduleJob(type: EchoJob.type, payload: ["text": "a"]))
            var report = try await w.conveyor.applyConfiguredSchedules([scrape, analytics])
            #expect(Set(report.created) == ["scrape", "analytics"])
            try await w.create("from-api")
            w.set("2026-01-01T06:00:00Z")
            try await w.tick()
            let fired = try #require(try await w.store.schedule(tenant: "default", id: "scrape"))
            #expect(fired.lastOutcome == "fired" && fired.nextRunAt == utc("2026-01-01T12:00:00Z"))

            // Same file again: nothing changes.
            report = try await w.conveyor.applyConfiguredSchedules([scrape, analytics])
            #expect(report.created.isEmpty && report.updated.isEmpty && report.deleted.isEmpty)

            // A new payload keeps the next run and the firing record.
            var changed = scrape
            changed.job.payload = ["text": "scrape v2"]
            report = try await w.conveyor.applyConfiguredSchedules([changed, analytics])
            #expect(report.updated == ["scrape"])
            var stored = try #require(try await w.store.schedule(tenant: "default", id: "scrape"))
            #expect(stored.job.payload == ["text": "scrape v2"])
            #expect(stored.nextRunAt == fired.nextRunAt && stored.lastJobID == fired.lastJobID && stored.source == "config")

            // A new expression starts from now; a schedule gone from the file is deleted, API ones stay.
            changed.cron = "0 */4 * * *"
            report = try await w.conveyor.applyConfiguredSchedules([changed])
            #expect(report.updated == ["scrape"] && report.deleted == ["analytics"])
            stored = try #require(try await w.store.schedule(tenant: "default", id: "scrape"))
            #expect(stored.nextRunAt == utc("2026-01-01T08:00:00Z"))
            #expect(try await w.store.schedule(tenant: "default", id: "from-api") != nil)
            #expect(try await w.store.schedule(tenant: "default", id: "analytics") == nil)
        }

        @Test func configFileSchedulesAreCheckedBeforeAnythingIsWritten() async throws {
            let w = try await ScheduleWorld(.sqlite)
            let bad = [
                ScheduleRequest(cron: "0 * * * *", job: ScheduleJob(type: EchoJob.type, payload: ["text": "x"])),
                ScheduleRequest(id: "b", cron: "0 25 * * *", timezone: "Mars/Olympus", job: ScheduleJob(type: "nope")),
            ]
            do {
                try await w.conveyor.applyConfiguredSchedules(bad)
                Issue.record("accepted")
            } catch let error as ConveyorError {
                let fields = error.failures.map(\.field)
                #expect(fields.contains("schedules[0].id"))
                #expect(fields.contains("schedules[1].cron") && fields.contains("schedules[1].timezone") && fields.contains("schedules[1].job.type"))
            }
            #expect(try await w.store.schedules(tenant: nil).isEmpty)
        }
    }
}
