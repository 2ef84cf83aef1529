import Foundation

/// What the maintenance services (stager, lease reaper, pruner) ask of the store. They run
/// on one node at a time (``LeaderElector``), except the lease reaper, which is safe to run
/// on every node.
public protocol JobMaintenanceStore: Sendable {
    /// Moves `scheduled` and `retrying` jobs whose time has come to `queued`. Returns the
    /// queues that got work, so their workers can be woken.
    func stageDueJobs(now: Date, limit: Int) async throws -> Set<String>

    /// The earliest `run_at` among waiting jobs, so the stager can sleep until then.
    func nextWaitingRunAt() async throws -> Date?

    /// Returns running jobs whose lease expired to `queued`, or fails them when their
    /// attempts are spent. Returns the queues that got work.
    func rescueExpiredLeases(now: Date, limit: Int) async throws -> Set<String>

    /// Deletes final jobs that finished before the given times.
    func pruneJobs(succeededBefore: Date, failedBefore: Date, limit: Int) async throws -> Int
}
