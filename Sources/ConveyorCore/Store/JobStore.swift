import Foundation

/// Jobs as callers see them: inserting, reading, listing and acting on one job.
///
/// Each method is one transaction, and every state change appends its event
/// (``LogEvent``) in that transaction. Transitions into `queued` or `scheduled` (staging,
/// a snooze, a hand-back at shutdown, the lease reaper's re-queue, an operator's retry)
/// append none: the next event such a job gets is `job.started`. Workers use
/// ``JobClaimStore``; the maintenance services ``JobMaintenanceStore``.
public protocol JobStore: Sendable {
    /// Inserts jobs in one transaction. A job whose `(tenant, idempotency_key)` exists
    /// already returns the existing job with `created == false` and inserts nothing.
    /// A job with ``NewJob/unique`` whose key is held (by a stored job, or an earlier job
    /// of the batch) returns the holder with ``InsertDisposition/uniqueConflict``, or
    /// replaces a waiting holder's payload and `run_at` (``InsertDisposition/replaced``);
    /// this holds under concurrent inserts, across nodes on PostgreSQL. Jobs without
    /// `unique` take the plain path, with no extra statement.
    func insertJobs(_ jobs: [NewJob]) async throws -> [InsertResult]

    func job(id: String) async throws -> Job?

    /// The jobs with these ids, in no particular order; ids with no job are left out.
    /// One read for a batch (the jobs a remote worker claimed or reports on).
    func jobs(ids: [String]) async throws -> [Job]

    func listJobs(_ query: JobQuery) async throws -> JobPage

    /// Cancels a waiting job at once, or flags a running one for its worker to stop.
    func cancelJob(id: String, now: Date) async throws -> CancelResult

    /// Re-queues a `failed` or `cancelled` job with a fresh set of attempts.
    func retryJob(id: String, now: Date) async throws -> Job

    /// Merges `patch` (RFC 7396) into the job's metadata.
    func mergeMetadata(id: String, patch: JSONValue) async throws -> Job

    func queueStats(now: Date) async throws -> [QueueStats]

    /// The distinct queues of `tenant`'s jobs, sorted: what a tenant's queue listing may
    /// show, since other tenants' queue names are theirs.
    func queueNames(tenant: String) async throws -> [String]
}

public enum CancelResult: Sendable {
    /// The job was waiting and is now `cancelled`.
    case cancelled(Job)
    /// The job is running; its worker will stop it and record `cancelled`.
    case requested(Job)
}
