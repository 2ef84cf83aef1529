import Foundation

/// The registry of remote workers: who is polling, from where, for which queues, and when
/// each was last heard from. Shared by every node, so a worker may register on one node
/// and heartbeat through another.
public protocol WorkerRegistryStore: Sendable {
    /// Records a newly registered worker. Its id is new; registering it twice is an error.
    func registerWorker(_ worker: RemoteWorker) async throws

    /// The worker, or nil when there is none (never registered, or pruned).
    func worker(id: String) async throws -> RemoteWorker?

    /// Records a heartbeat: last heard from at `now`, holding `running` jobs. The state is
    /// kept (a stopped worker stays stopped). Returns the worker as stored, nil when unknown.
    func touchWorker(id: String, running: Int, now: Date) async throws -> RemoteWorker?

    /// Sets the worker's state; its last heartbeat stays as it was, so an operator's quiet
    /// does not hide a silent worker. Returns the worker as stored, nil when unknown.
    func setWorkerState(id: String, state: RemoteWorker.State) async throws -> RemoteWorker?

    /// The workers of `tenant` (every tenant's when nil), most recently started first.
    func listWorkers(tenant: String?) async throws -> [RemoteWorker]

    /// Deletes workers last heard from before `before`: the stopped and the long stale.
    /// Returns how many went.
    @discardableResult
    func pruneWorkers(silentSince before: Date) async throws -> Int
}
