/// Why a running job's task was cancelled by the engine rather than finishing by itself.
enum StopReason: Sendable {
    case cancelRequested
    case timeout
    case shutdown
    /// Our lease is gone: another worker may own the job now, so we must write nothing.
    case leaseLost
}

/// The jobs one ``QueueWorker`` is running, with the tasks that run them, so the
/// heartbeat, cancellations and shutdown can reach them.
actor ExecutionRegistry {
    private struct Entry {
        var task: Task<JSONValue?, any Error>
        var reason: StopReason?
    }

    private var entries: [LeaseKey: Entry] = [:]

    func register(_ lease: LeaseKey, task: Task<JSONValue?, any Error>) {
        entries[lease] = Entry(task: task)
    }

    /// Records why the job is being stopped (the first reason wins) and cancels its task.
    func stop(_ lease: LeaseKey, reason: StopReason) {
        guard var entry = entries[lease] else { return }
        if entry.reason == nil { entry.reason = reason }
        entries[lease] = entry
        entry.task.cancel()
    }

    func stop(jobID: String, reason: StopReason) {
        for lease in entries.keys where lease.id == jobID {
            stop(lease, reason: reason)
        }
    }

    func stopAll(reason: StopReason) {
        for lease in entries.keys { stop(lease, reason: reason) }
    }

    /// Removes the job and returns why it was stopped, if it was.
    func finish(_ lease: LeaseKey) -> StopReason? {
        entries.removeValue(forKey: lease)?.reason
    }

    var leases: [LeaseKey] { Array(entries.keys) }
}
