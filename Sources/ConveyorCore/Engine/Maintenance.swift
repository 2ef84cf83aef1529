import Foundation

/// Settings of the maintenance services that keep the job table moving and small.
public struct MaintenanceConfiguration: Sendable, Hashable {
    /// The longest the stager sleeps; it wakes earlier when a waiting job is due sooner.
    public var stageInterval: Duration
    /// How often expired leases are looked for.
    public var reapInterval: Duration
    public var pruneInterval: Duration
    /// How long succeeded and cancelled jobs are kept.
    public var finishedRetention: Duration
    /// How long failed (dead-letter) jobs are kept.
    public var failedRetention: Duration
    /// How long events stay in the log. A reader further behind than this gets 410 Gone
    /// (see docs/events.md).
    public var eventRetention: Duration

    public init(
        stageInterval: Duration = .milliseconds(200), reapInterval: Duration = .seconds(1),
        pruneInterval: Duration = .seconds(60), finishedRetention: Duration = .seconds(7 * 86400),
        failedRetention: Duration = .seconds(30 * 86400), eventRetention: Duration = .seconds(7 * 86400)
    ) {
        self.eventRetention = eventRetention
        self.stageInterval = stageInterval
        self.reapInterval = reapInterval
        self.pruneInterval = pruneInterval
        self.finishedRetention = finishedRetention
        self.failedRetention = failedRetention
    }
}

/// Moves `scheduled` and `retrying` jobs to `queued` when their time comes.
struct Stager: Sendable {
    let store: any JobMaintenanceStore
    let notifier: any Notifier
    let clock: any ConveyorClock
    let interval: Duration
    static let batch = 1000

    func tick() async throws -> Duration {
        let queues = try await store.stageDueJobs(now: clock.now(), limit: Self.batch)
        if !queues.isEmpty {
            await notifier.notify(Set(queues.map { .jobsAvailable(queue: $0) }))
        }
        guard let next = try await store.nextWaitingRunAt() else { return interval }
        let until = next.timeIntervalSince(clock.now())
        return .seconds(max(0, min(until, interval.seconds)))
    }
}

/// Puts back the jobs of workers that died: a running job whose lease expired goes to
/// `queued` (or `failed` when its attempts are spent).
struct LeaseReaper: Sendable {
    let store: any JobMaintenanceStore
    let notifier: any Notifier
    let clock: any ConveyorClock
    let interval: Duration

    func tick() async throws -> Duration {
        let queues = try await store.rescueExpiredLeases(now: clock.now(), limit: 1000)
        if !queues.isEmpty {
            await notifier.notify(Set(queues.map { .jobsAvailable(queue: $0) }))
        }
        return interval
    }
}

/// Deletes finished jobs and events past their retention, and remote workers silent for a day.
struct Pruner: Sendable {
    let store: any JobMaintenanceStore
    let log: any EventLogStore
    let workers: any WorkerRegistryStore
    let clock: any ConveyorClock
    let configuration: MaintenanceConfiguration
    static let batch = 5000

    func tick() async throws -> Duration {
        let now = clock.now()
        let eventsBefore = now.addingTimeInterval(-configuration.eventRetention.seconds)
        let events = try await log.pruneEvents(before: eventsBefore, limit: Self.batch)
        // A job event takes the job's unchanging fields from the job's row when read, so a
        // job stays as long as the log may still hold events about it.
        let deleted = try await store.pruneJobs(
            succeededBefore: min(eventsBefore, now.addingTimeInterval(-configuration.finishedRetention.seconds)),
            failedBefore: min(eventsBefore, now.addingTimeInterval(-configuration.failedRetention.seconds)),
            limit: Self.batch)
        try await workers.pruneWorkers(silentSince: now.addingTimeInterval(-Conveyor.workerRetentionSeconds))
        // A full batch means more is waiting: come back soon rather than in a minute.
        return deleted == Self.batch || events == Self.batch ? .milliseconds(10) : configuration.pruneInterval
    }
}
