import Foundation

public struct InsertResult: Sendable {
    /// The job created, or the existing one that an idempotency or unique key matched.
    public var job: Job
    /// What the insert did with the new job.
    public var disposition: InsertDisposition

    /// True when a job was created; false when an idempotency key or a unique key matched
    /// an existing job, which ``job`` is.
    public var created: Bool { disposition == .created }

    /// True when a unique key matched: `job` holds the key (``InsertDisposition/uniqueConflict``
    /// or ``InsertDisposition/replaced``).
    public var uniqueConflict: Bool { disposition == .uniqueConflict || disposition == .replaced }

    public init(job: Job, created: Bool) {
        self.init(job: job, disposition: created ? .created : .idempotent)
    }

    public init(job: Job, disposition: InsertDisposition) {
        self.job = job
        self.disposition = disposition
    }
}

/// What ``JobStore/insertJobs(_:)`` did with one new job.
public enum InsertDisposition: String, Sendable, Hashable, Codable {
    /// Inserted.
    case created
    /// Its idempotency key matched an existing job; nothing was written.
    case idempotent
    /// Its unique key is held by an existing job (``UniqueOptions``); nothing was written.
    case uniqueConflict = "unique_conflict"
    /// Its unique key is held by a waiting job, which took the new payload and `run_at`
    /// (``UniqueOptions/replace``).
    case replaced
}
