import Foundation

/// The worker's slice of the store: claim due jobs under a lease, keep the lease alive,
/// write outcomes. The hot path; each driver hand-tunes these statements.
///
/// Writes are fenced by ``LeaseKey``: a late write from a worker whose lease expired (the
/// job was rescued, or finished elsewhere) changes nothing.
public protocol JobClaimStore: Sendable {
    /// How many calls (claims, with the outcomes that ride along) one worker pool keeps in
    /// flight by default. More calls keep the database busier but split the pool's room
    /// into smaller batches; where the balance lies is the store's to say, from measurement.
    var claimsInFlight: Int { get }

    /// Moves up to `limit` due jobs of `queue` to `running` under a lease held by `owner`,
    /// highest priority first, then oldest `run_at`, then id.
    func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob]

    /// Extends the leases `owner` still holds. Reports which of them were asked to cancel
    /// and which are no longer held (rescued, or finished elsewhere).
    func extendLeases(_ leases: [LeaseKey], owner: String, until: Date) async throws -> LeaseReport

    /// Writes many outcomes in one transaction. Outcomes whose lease no longer matches
    /// are skipped; the return value counts those applied.
    @discardableResult
    func completeJobs(_ outcomes: [JobOutcome]) async throws -> Int

    /// Writes `outcomes` and claims up to `limit` jobs in one call: a busy worker's steady
    /// state, where each batch of finished jobs makes room for the next. When jobs are due
    /// but only the room these outcomes free lets them start (a queue's or a key's cap), the
    /// claim must find it: the worker does not claim again after an empty answer. SQLite,
    /// with its single writer, does both in one transaction; PostgreSQL runs them side by
    /// side, where concurrent commits are cheaper than one longer transaction, and claims
    /// again when the first claim came back empty.
    /// On an error the outcomes may or may not have been written; writing them again is
    /// harmless (fencing).
    func completeAndClaim(
        _ outcomes: [JobOutcome], queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date
    ) async throws -> (completed: Int, claimed: [ClaimedJob])
}

public struct LeaseReport: Sendable, Equatable {
    public var cancelRequested: Set<LeaseKey>
    public var lost: Set<LeaseKey>

    public init(cancelRequested: Set<LeaseKey> = [], lost: Set<LeaseKey> = []) {
        self.cancelRequested = cancelRequested
        self.lost = lost
    }
}
