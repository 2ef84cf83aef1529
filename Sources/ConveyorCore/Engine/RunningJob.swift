/// Why a running job's task was cancelled by the engine rather than finishing by itself.
enum StopReason: Sendable {
    case cancelRequested
    case timeout
    case shutdown
    /// Our lease is gone: another worker may own the job now, so we must write nothing.
    case leaseLost
}

/// A job a ``QueueWorker`` is running: the task that runs its handler, its timeout
/// timer, and why the engine stopped it, if it did.
struct RunningJob {
    let job: ClaimedJob
    let task: Task<Void, Never>
    let timer: Task<Void, Never>?
    let started: ContinuousClock.Instant
    /// When the lease runs out, as this worker knows it; heartbeats move it on.
    let lease: LeaseDeadline
    private(set) var reason: StopReason?

    init(job: ClaimedJob, task: Task<Void, Never>, timer: Task<Void, Never>?, lease: LeaseDeadline) {
        self.lease = lease
        self.job = job
        self.task = task
        self.timer = timer
        self.started = .now
    }

    /// Records why the job is being stopped (the first reason wins) and cancels its handler.
    mutating func stop(_ reason: StopReason) {
        if self.reason == nil { self.reason = reason }
        task.cancel()
    }
}
