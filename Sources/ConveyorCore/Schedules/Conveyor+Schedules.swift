import Foundation

/// Cron schedules, tenant-isolated like webhook endpoints: a caller sees and manages only
/// its own tenant's schedules (admin: every tenant's), and a schedule's jobs go to its
/// tenant. A schedule is named by its tenant and its id, so two tenants may use the same
/// id, and another tenant's id answers like a missing one. The ``CronScheduler`` fires
/// them on the leader. See docs/schedules.md.
extension Conveyor {
    public static func scheduleNotFound(_ id: String) -> ConveyorError {
        ConveyorError(.notFound, "No schedule has id '\(id)'. Check the id, or list schedules with GET /v1/schedules.")
    }

    /// Creates a schedule; its first run is the expression's first time after now.
    public func createSchedule(_ request: ScheduleRequest, as caller: Caller? = nil) async throws -> Schedule {
        let tenant = try caller?.tenant(forNew: request.tenant) ?? (request.tenant ?? Tenant.defaultID)
        let now = clock.now()
        let types = try await jobTypeCatalog(naming: [request.job.type])
        let schedule = try makeSchedule(request, tenant: tenant, source: "api", now: now, createdBy: caller?.createdBy, types: types)
        guard try await backend.schedules.createSchedule(schedule) else {
            throw ConveyorError(
                .conflict,
                "A schedule with id '\(schedule.id)' exists already in this tenant. Change it with PATCH /v1/schedules/\(schedule.id), or pick another id.")
        }
        return try await decorated(schedule)
    }

    /// Validates a request and builds the schedule it describes. Every problem at once.
    func makeSchedule(
        _ request: ScheduleRequest, tenant: String, source: String, now: Date, createdBy: String?, requireID: Bool = false,
        types: JobTypeCatalog? = nil
    ) throws -> Schedule {
        var failures = NULCharacters.failures(in: request)
        if let id = request.id {
            if !Self.isValidScheduleID(id) {
                failures.append(ValidationFailure("id", "must be 1–64 characters of letters, digits, '_', '-', '.' or ':'"))
            }
        } else if requireID {
            failures.append(ValidationFailure("id", "is required in the config file; give each schedule a stable id such as \"scrape-sources\""))
        }
        if !EnqueueRequest.isValidName(tenant) {
            failures.append(ValidationFailure("tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        }
        let timezone = request.timezone ?? "UTC"
        let (more, cron, zone) = checkSchedule(
            cron: request.cron, timezone: timezone, job: request.job, tenant: tenant, now: now, types: types ?? registeredTypes)
        failures += more
        guard failures.isEmpty, let cron, let zone else { throw ConveyorError.invalid(failures) }
        let paused = request.paused ?? false
        return Schedule(
            id: request.id ?? "sch_" + JobID.make(at: now), tenant: tenant, cron: cron.source, timezone: timezone, job: request.job,
            overlap: request.overlap ?? .skip, misfire: request.misfire ?? .runOnce, paused: paused, source: source,
            nextRunAt: cron.next(after: now, in: zone), createdAt: now, updatedAt: now, createdBy: createdBy)
    }

    static func isValidScheduleID(_ id: String) -> Bool {
        id.utf8.count <= 64 && EnqueueRequest.isValidName(id)
    }

    /// Checks the expression, the zone and the job template (against the known types).
    func checkSchedule(
        cron text: String, timezone: String, job: ScheduleJob, tenant: String, now: Date, types: JobTypeCatalog
    ) -> ([ValidationFailure], CronExpression?, TimeZone?) {
        var failures: [ValidationFailure] = []
        var cron: CronExpression?
        do {
            cron = try CronExpression(text)
        } catch {
            failures.append(ValidationFailure("cron", "\(error.description) (see docs/schedules.md)"))
        }
        let zone = TimeZone(identifier: timezone)
        if zone == nil {
            failures.append(
                ValidationFailure("timezone", "unknown time zone '\(timezone)'; give an IANA name such as UTC, Europe/Berlin or America/New_York"))
        }
        do {
            _ = try scheduledJob(job, tenant: tenant, now: now, types: types)
        } catch let error as ConveyorError {
            failures += error.failures.map { $0.nested(under: "job") }
        } catch {
            failures.append(ValidationFailure("job", "\(error)"))
        }
        return (failures, cron, zone)
    }

    /// The job template resolved against its type's defaults and checked like an enqueue.
    func scheduledJob(
        _ template: ScheduleJob, tenant: String, now: Date, types: JobTypeCatalog, requireRegistered: Bool = true
    ) throws -> NewJob {
        let type = types.entry(template.type)
        if type == nil && requireRegistered { throw ConveyorError.invalid([types.unknown(template.type, field: "type")]) }
        let job = try template.enqueueRequest(tenant: tenant).resolve(defaults: type?.defaults ?? JobDefaults(), now: now)
        let failures = type?.check(job.payload) ?? []
        if !failures.isEmpty { throw ConveyorError.invalid(failures) }
        return job
    }

    /// The types a process knows without asking the store: its Swift handlers. The config
    /// file's schedules and triggers are checked against these, before the store is open.
    var registeredTypes: JobTypeCatalog { JobTypeCatalog(registry: registry, declared: []) }

    /// The job one firing inserts: its id and idempotency key come from the schedule and the
    /// fire time, so whoever fires that time makes the same job.
    func firingJob(_ schedule: Schedule, fireTime: Date, now: Date, types: JobTypeCatalog) throws -> NewJob {
        // The leader may not know a type that an API node accepted: it fires with the
        // template's values and the built-in defaults rather than not at all.
        var job = try scheduledJob(schedule.job, tenant: schedule.tenant, now: now, types: types, requireRegistered: false)
        let fire = fireTime.truncatedToMilliseconds
        job.id = ScheduleJobID.make(tenant: schedule.tenant, scheduleID: schedule.id, fireTime: fire)
        job.idempotencyKey = ScheduleJobID.key(tenant: schedule.tenant, scheduleID: schedule.id, fireTime: fire)
        job.runAt = min(fire, job.createdAt)
        let tag = "schedule:\(schedule.id)"
        if !job.tags.contains(tag) { job.tags.append(tag) }
        var metadata = job.metadata.objectValue ?? [:]
        metadata["schedule_id"] = .string(schedule.id)
        metadata["fire_time"] = .string(ScheduleJobID.isoString(fire))
        job.metadata = .object(metadata)
        job.createdBy = "schedule:\(schedule.id)"
        return job
    }

    /// The schedule with its next five fire times and its last job's state.
    func decorated(_ schedule: Schedule) async throws -> Schedule {
        var shown = schedule
        if !schedule.paused, let next = schedule.nextRunAt, let cron = try? CronExpression(schedule.cron),
            let zone = TimeZone(identifier: schedule.timezone)
        {
            shown.nextRunTimes = [next] + cron.nextTimes(after: next, in: zone, count: 4)
        } else {
            shown.nextRunTimes = []
        }
        if let jobID = schedule.lastJobID {
            shown.lastJobState = try await backend.jobs.job(id: jobID)?.state
        }
        return shown
    }

    /// The caller's schedule `id`: looked up in the caller's own tenant, or in `tenant`
    /// when an admin names one (a non-admin naming another tenant is `403`, as for jobs).
    /// Only the caller's tenant is ever searched, so another tenant's id is a plain 404.
    func accessibleSchedule(id: String, tenant requested: String?, as caller: Caller?) async throws -> Schedule {
        let tenant = try caller?.tenant(forNew: requested) ?? (requested ?? Tenant.defaultID)
        guard let schedule = try await backend.schedules.schedule(tenant: tenant, id: id) else { throw Self.scheduleNotFound(id) }
        return schedule
    }

    /// The schedule `id` of the caller's tenant (an admin may name another `tenant`).
    public func schedule(id: String, tenant: String? = nil, as caller: Caller? = nil) async throws -> Schedule {
        try await decorated(accessibleSchedule(id: id, tenant: tenant, as: caller))
    }

    /// The caller's tenant's schedules (admin: every tenant's), by id.
    public func schedules(as caller: Caller? = nil) async throws -> [Schedule] {
        let tenant = caller.flatMap { $0.isAdmin ? nil : $0.tenant }
        var shown: [Schedule] = []
        for schedule in try await backend.schedules.schedules(tenant: tenant) { shown.append(try await decorated(schedule)) }
        return shown
    }

    /// Changes a schedule. A new expression or zone, or a resume, sets the next run from now.
    public func updateSchedule(id: String, tenant: String? = nil, patch: SchedulePatch, as caller: Caller? = nil) async throws -> Schedule {
        try NULCharacters.check(patch)
        var schedule = try await accessibleSchedule(id: id, tenant: tenant, as: caller)
        let now = clock.now()
        let job = patch.job ?? schedule.job
        let (failures, cron, zone) = checkSchedule(
            cron: patch.cron ?? schedule.cron, timezone: patch.timezone ?? schedule.timezone, job: job,
            tenant: schedule.tenant, now: now, types: try await jobTypeCatalog(naming: [job.type]))
        guard failures.isEmpty, let cron, let zone else { throw ConveyorError.invalid(failures) }
        let timing = cron.source != schedule.cron || (patch.timezone.map { $0 != schedule.timezone } ?? false)
        let resumed = patch.paused == false && schedule.paused
        schedule.cron = cron.source
        if let timezone = patch.timezone { schedule.timezone = timezone }
        if let job = patch.job { schedule.job = job }
        if let overlap = patch.overlap { schedule.overlap = overlap }
        if let misfire = patch.misfire { schedule.misfire = misfire }
        if let paused = patch.paused { schedule.paused = paused }
        if timing || resumed { schedule.nextRunAt = cron.next(after: now, in: zone) }
        schedule.updatedAt = now
        guard try await backend.schedules.updateSchedule(schedule) else { throw Self.scheduleNotFound(id) }
        return try await decorated(backend.schedules.schedule(tenant: schedule.tenant, id: id) ?? schedule)
    }

    public func deleteSchedule(id: String, tenant: String? = nil, as caller: Caller? = nil) async throws {
        let schedule = try await accessibleSchedule(id: id, tenant: tenant, as: caller)
        guard try await backend.schedules.deleteSchedule(tenant: schedule.tenant, id: id) else { throw Self.scheduleNotFound(id) }
    }

    /// Fires the schedule now, once, whatever its overlap policy and even when paused; the
    /// next scheduled run stays as it was.
    public func triggerSchedule(id: String, tenant: String? = nil, as caller: Caller? = nil) async throws -> ScheduleTriggerResult {
        let schedule = try await accessibleSchedule(id: id, tenant: tenant, as: caller)
        let now = clock.now()
        let job = try firingJob(schedule, fireTime: now, now: now, types: try await jobTypeCatalog(naming: [schedule.job.type]))
        let result = try await backend.schedules.fireSchedule(
            ScheduleFiring(tenant: schedule.tenant, scheduleID: id, expectedNextRunAt: nil, nextRunAt: nil, job: job, fireTime: now, now: now))
        switch result {
        case .fired(let inserted):
            await announce(inserted)
            return ScheduleTriggerResult(job: inserted, created: true)
        case .duplicate(let jobID):
            return ScheduleTriggerResult(job: try await self.job(id: jobID), created: false)
        case .notFound, .stale, .skipped, .skippedOverlap:
            throw Self.scheduleNotFound(id)
        }
    }

    /// Wakes the queue's workers and counts the job, as an enqueue does.
    func announce(_ job: Job) async {
        metrics.enqueued(queue: job.queue, type: job.type, count: 1)
        var signals: Set<EngineSignal> = [.eventsAppended]
        if job.state == .queued { signals.insert(.jobsAvailable(queue: job.queue)) }
        await notifier.notify(signals)
    }

    // MARK: The config file

    /// What names a schedule: its tenant and its id.
    struct ScheduleName: Hashable {
        var tenant: String
        var id: String
    }

    /// What applying the config file's schedules changed.
    public struct ConfiguredSchedulesReport: Sendable, Hashable {
        public var created: [String] = []
        public var updated: [String] = []
        public var deleted: [String] = []
    }

    /// Makes the stored config schedules match the file: new ones are created, changed ones
    /// updated (keeping their next run and firing record when `cron` and `timezone` did not
    /// change), and config schedules no longer listed are deleted. Schedules made through
    /// the API are left alone, unless the file names the same id in the same tenant: then
    /// the file wins. A schedule the file moves to another tenant is a new schedule there
    /// (the old one is deleted as no longer listed). Everything is checked before anything
    /// is written.
    @discardableResult
    public func applyConfiguredSchedules(_ requests: [ScheduleRequest]) async throws -> ConfiguredSchedulesReport {
        try checkConfiguredSchedules(requests)
        let now = clock.now()
        let schedules = try requests.map {
            try makeSchedule($0, tenant: $0.tenant ?? Tenant.defaultID, source: "config", now: now, createdBy: "config", requireID: true)
        }
        let seen = Set(schedules.map { ScheduleName(tenant: $0.tenant, id: $0.id) })
        var report = ConfiguredSchedulesReport()
        for var schedule in schedules {
            if let existing = try await backend.schedules.schedule(tenant: schedule.tenant, id: schedule.id) {
                if existing.cron == schedule.cron && existing.timezone == schedule.timezone && existing.paused == schedule.paused {
                    schedule.nextRunAt = existing.nextRunAt
                }
                schedule.createdAt = existing.createdAt
                schedule.createdBy = existing.createdBy
                let changed =
                    existing.cron != schedule.cron || existing.timezone != schedule.timezone || existing.job != schedule.job
                    || existing.overlap != schedule.overlap || existing.misfire != schedule.misfire || existing.paused != schedule.paused
                    || existing.source != schedule.source
                if changed {
                    _ = try await backend.schedules.updateSchedule(schedule)
                    report.updated.append(schedule.id)
                }
            } else if try await backend.schedules.createSchedule(schedule) {
                report.created.append(schedule.id)
            }
        }
        for stale in try await backend.schedules.schedules(tenant: nil)
        where stale.source == "config" && !seen.contains(ScheduleName(tenant: stale.tenant, id: stale.id)) {
            if try await backend.schedules.deleteSchedule(tenant: stale.tenant, id: stale.id) { report.deleted.append(stale.id) }
        }
        return report
    }
}
