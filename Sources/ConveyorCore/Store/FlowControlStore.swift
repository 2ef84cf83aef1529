import Foundation

/// Queue settings, queue details and circuit breakers (docs/flow-control.md).
///
/// The limits themselves are enforced inside ``JobClaimStore/claimJobs(queue:limit:owner:leaseUntil:now:)``,
/// and breakers counted inside ``JobClaimStore/completeJobs(_:)``, in the transactions that
/// change the jobs, so they hold across every node sharing the store.
public protocol FlowControlStore: Sendable {
    /// Every queue that has stored settings.
    func allQueueSettings() async throws -> [String: QueueSettings]

    func queueSettings(queue: String) async throws -> QueueSettings?

    /// Replaces a queue's limits and fairness. The paused flag is kept: it changes only
    /// through ``setQueuePaused(queue:paused:now:)``, which writes its event.
    func setQueueSettings(_ settings: QueueSettings, queue: String, now: Date) async throws

    /// Pauses or resumes a queue, appending `queue.paused` or `queue.resumed` in the same
    /// transaction. Returns false, and appends nothing, when it was already so.
    @discardableResult
    func setQueuePaused(queue: String, paused: Bool, now: Date) async throws -> Bool

    /// Running jobs per concurrency key, the busiest first, at most `limit` keys.
    func runningByKey(queue: String, limit: Int) async throws -> [KeyCount]

    /// Jobs of `queue` that reached `succeeded` or `failed` at or after `since`, among
    /// jobs created after `createdAfter` (which bounds the scan).
    func finishedCounts(queue: String, since: Date, createdAfter: Date) async throws -> FinishedCounts

    /// Keys of `queue` a handler paused, with the time each pause ends.
    func pausedKeys(queue: String, now: Date) async throws -> [PausedKey]

    /// Breakers, those not closed first; `state` filters.
    func circuits(state: Circuit.State?, limit: Int) async throws -> [Circuit]

    /// Closes the breakers of `key` (only the one of `type` when given) and appends
    /// `circuit.closed` for each that was not closed. Returns the breakers reset.
    func resetCircuits(key: String, type: String?, now: Date) async throws -> [Circuit]
}

public struct KeyCount: Codable, Sendable, Hashable {
    /// The key: as stored when a store returns it, as given in an answer.
    public var key: String
    public var count: Int
    /// The key's tenant; set in answers (stores leave it nil).
    public var tenant: String?

    public init(key: String, count: Int, tenant: String? = nil) {
        self.key = key
        self.count = count
        self.tenant = tenant
    }
}

public struct FinishedCounts: Codable, Sendable, Hashable {
    public var succeeded: Int
    public var failed: Int

    public init(succeeded: Int, failed: Int) {
        self.succeeded = succeeded
        self.failed = failed
    }
}

public struct PausedKey: Codable, Sendable, Hashable {
    /// The key: as stored when a store returns it, as given in an answer.
    public var key: String
    public var until: Date
    /// The key's tenant; set in answers (stores leave it nil).
    public var tenant: String?

    public init(key: String, until: Date, tenant: String? = nil) {
        self.key = key
        self.until = until
        self.tenant = tenant
    }
}
