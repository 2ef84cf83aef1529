import Foundation

/// Fires due cron schedules. Runs on the leader with the other maintenance services.
///
/// Each firing is one store transaction that inserts the job and moves the schedule's
/// `next_run_at` on, fenced by the `next_run_at` it read: a second scheduler (a split-brain
/// leader, a restart mid-round) either finds the schedule already moved on and writes
/// nothing, or inserts a job whose deterministic id exists already and creates nothing.
/// The state is in the store, so a new scheduler continues where the last one stopped.
///
/// Fire times that passed more than ``misfireGrace`` ago are missed; the schedule's
/// `misfire` policy decides what happens to them (docs/schedules.md).
public struct CronScheduler: Sendable {
    public let conveyor: Conveyor
    /// The longest sleep between looks at the store, so a schedule created on another
    /// node is seen within this time.
    public var interval: Duration = .seconds(1)
    /// A fire time this far behind the clock when its round comes is missed.
    public static let misfireGrace: TimeInterval = 60
    /// `catch_up` fires at most this many missed times of one schedule per round; the rest
    /// follow in the next rounds.
    public static let maxFiringsPerRound = 1000
    static let batch = 100

    public init(conveyor: Conveyor, interval: Duration = .seconds(1)) {
        self.conveyor = conveyor
        self.interval = interval
    }

    /// One round: fires every due schedule. Returns the time until the next is due
    /// (at most ``interval``).
    public func tick() async throws -> Duration {
        let now = conveyor.clock.now()
        let due = try await conveyor.backend.schedules.dueSchedules(now: now, limit: Self.batch)
        // One schedule that cannot fire (a template that no longer validates, say) must
        // not hold the others back, nor slow their rounds with the periodic service's
        // backoff: it is logged, and retried next round. Only when every one failed (the
        // store is down, most likely) does the error go up, to back off.
        var firstError: (any Error)?
        var failures = 0
        for schedule in due {
            do {
                try await fire(schedule, now: now)
            } catch {
                conveyor.logger.loopFailure("firing schedule \(schedule.id) failed", error: error, metadata: ["tenant": "\(schedule.tenant)"])
                firstError = firstError ?? error
                failures += 1
            }
        }
        if let firstError, failures == due.count { throw firstError }
        // A failed schedule is still due: look again after the interval, not at once.
        if failures > 0 { return interval }
        if due.count == Self.batch { return .zero }
        guard let next = try await conveyor.backend.schedules.nextScheduleRunAt() else { return interval }
        let wait = next.timeIntervalSince(conveyor.clock.now())
        // Never a busy loop, never longer than the interval.
        return min(interval, .milliseconds(Int64(max(10, wait * 1000))))
    }

    /// A fire time and the `next_run_at` that follows it.
    struct Step {
        var fireTime: Date
        var next: Date?
        var fire: Bool
    }

    /// Plans the steps for the due times of one schedule by its misfire policy.
    static func plan(_ schedule: Schedule, cron: CronExpression, zone: TimeZone, now: Date) -> [Step] {
        guard let first = schedule.nextRunAt, first <= now else { return [] }
        var times = [first]
        var following = cron.next(after: first, in: zone)
        while let f = following, f <= now, times.count < maxFiringsPerRound {
            times.append(f)
            following = cron.next(after: f, in: zone)
        }
        func nextAfter(_ index: Int) -> Date? { index + 1 < times.count ? times[index + 1] : following }
        let missed = times.filter { now.timeIntervalSince($0) > misfireGrace }
        let recent = times.count - missed.count
        switch schedule.misfire {
        case .catchUp:
            return times.indices.map { Step(fireTime: times[$0], next: nextAfter($0), fire: true) }
        case .runOnce where !missed.isEmpty:
            return [Step(fireTime: times[times.count - 1], next: following, fire: true)]
        case .runOnce, .skip:
            var steps: [Step] = []
            if !missed.isEmpty {
                // One write drops every missed time.
                steps.append(Step(fireTime: missed[missed.count - 1], next: nextAfter(missed.count - 1), fire: false))
            }
            for index in (times.count - recent)..<times.count {
                steps.append(Step(fireTime: times[index], next: nextAfter(index), fire: true))
            }
            return steps
        }
    }

    func fire(_ schedule: Schedule, now: Date) async throws {
        let cron = try CronExpression(schedule.cron)
        guard let zone = TimeZone(identifier: schedule.timezone) else {
            throw ConveyorError(.validation, "schedule \(schedule.id) has an unknown time zone '\(schedule.timezone)'")
        }
        var expected = schedule.nextRunAt
        var lastJobID = schedule.lastJobID
        for step in Self.plan(schedule, cron: cron, zone: zone, now: now) {
            var job: NewJob?
            if step.fire {
                job = try conveyor.firingJob(
                    schedule, fireTime: step.fireTime, now: now, types: try await conveyor.jobTypeCatalog(naming: [schedule.job.type]))
                if schedule.overlap == .cancelPrevious, let previous = lastJobID {
                    await cancelIfActive(previous)
                }
            }
            let result = try await conveyor.backend.schedules.fireSchedule(
                ScheduleFiring(
                    tenant: schedule.tenant, scheduleID: schedule.id, expectedNextRunAt: expected, nextRunAt: step.next, job: job, fireTime: step.fireTime,
                    skipWhileActive: schedule.overlap == .skip, skippedOutcome: step.fire ? nil : "skipped_misfire", now: now))
            switch result {
            case .fired(let inserted):
                lastJobID = inserted.id
                await conveyor.announce(inserted)
            case .duplicate(let id):
                lastJobID = id
            case .skippedOverlap, .skipped:
                break
            case .stale, .notFound:
                // Another scheduler moved it on, or it was changed or deleted meanwhile.
                return
            }
            expected = step.next
        }
    }

    /// `overlap: cancel_previous`: a waiting job is cancelled, a running one asked to stop.
    private func cancelIfActive(_ id: String) async {
        guard let job = try? await conveyor.backend.jobs.job(id: id), !job.state.isFinal else { return }
        do {
            _ = try await conveyor.cancel(id: id)
        } catch {
            // It finished meanwhile: nothing to cancel.
            conveyor.logger.debug("cancelling a schedule's previous job found nothing to cancel", metadata: ["job": "\(id)"])
        }
    }
}
