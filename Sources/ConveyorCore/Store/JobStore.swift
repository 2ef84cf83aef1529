import Foundation

/// The driver boundary: every read and write of job state goes through a store.
///
/// Each method is one transaction. Writes that change a job's state are fenced by
/// ``LeaseKey`` where a worker makes them, so a late write from a worker whose lease
/// expired changes nothing. `ConveyorSQLite` and `ConveyorPostgres` implement it and
/// must both pass the conformance suite in `Tests/`.
public protocol JobStore: WorkflowStore, EventBusStore, InboundStore, WebhookStore, ScheduleStore, FlowControlStore {
    /// Applies pending schema migrations. Safe to call from several processes at once.
    func migrate() async throws

    /// True when the store answers and its schema is current.
    func isReady() async -> Bool

    /// Inserts jobs in one transaction. A job whose `(tenant, idempotency_key)` exists
    /// already returns the existing job with `created == false` and inserts nothing.
    /// A job with ``NewJob/unique`` whose key is held (by a stored job, or an earlier job
    /// of the batch) returns the holder with ``InsertDisposition/uniqueConflict``, or
    /// replaces a waiting holder's payload and `run_at` (``InsertDisposition/replaced``);
    /// this holds under concurrent inserts, across nodes on PostgreSQL. Jobs without
    /// `unique` take the plain path, with no extra statement.
    func insertJobs(_ jobs: [NewJob]) async throws -> [InsertResult]

    func job(id: String) async throws -> Job?

    func listJobs(_ query: JobQuery) async throws -> JobPage

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

    /// Cancels a waiting job at once, or flags a running one for its worker to stop.
    func cancelJob(id: String, now: Date) async throws -> CancelResult

    /// Re-queues a `failed` or `cancelled` job with a fresh set of attempts.
    func retryJob(id: String, now: Date) async throws -> Job

    /// Merges `patch` (RFC 7396) into the job's metadata.
    func mergeMetadata(id: String, patch: JSONValue) async throws -> Job

    func queueStats(now: Date) async throws -> [QueueStats]

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

    // MARK: Event log
    //
    // Every method above that changes a job's state appends its event (``LogEvent``) in
    // the same transaction. Transitions into `queued` or `scheduled` (staging, a snooze,
    // a hand-back at shutdown, the lease reaper's re-queue, an operator's retry) append
    // none: the next event such a job gets is `job.started`.

    /// Reads events in id order, only those every reader can see for good: an event with
    /// a smaller id can never appear after this read returns (see docs/events.md for how
    /// PostgreSQL guarantees that). Returns at most `query.limit` events.
    func readEvents(_ query: EventQuery) async throws -> EventPage

    /// Deletes events that occurred before `before`, oldest first, and records the
    /// largest id deleted so readers behind it can be told they missed events. A store
    /// may keep the newest event regardless, if that is how it keeps ids from being reused.
    func pruneEvents(before: Date, limit: Int) async throws -> Int
}

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

public struct LeaseReport: Sendable, Equatable {
    public var cancelRequested: Set<LeaseKey>
    public var lost: Set<LeaseKey>

    public init(cancelRequested: Set<LeaseKey> = [], lost: Set<LeaseKey> = []) {
        self.cancelRequested = cancelRequested
        self.lost = lost
    }
}

public enum CancelResult: Sendable {
    /// The job was waiting and is now `cancelled`.
    case cancelled(Job)
    /// The job is running; its worker will stop it and record `cancelled`.
    case requested(Job)
}

/// Filters and a cursor for listing jobs, newest first.
public struct JobQuery: Sendable, Hashable {
    public var queue: String?
    public var state: JobState?
    public var type: String?
    public var tenant: String?
    public var tag: String?
    public var limit: Int
    /// The last id of the previous page.
    public var cursor: String?

    public init(
        queue: String? = nil, state: JobState? = nil, type: String? = nil, tenant: String? = nil,
        tag: String? = nil, limit: Int = 50, cursor: String? = nil
    ) {
        self.queue = queue
        self.state = state
        self.type = type
        self.tenant = tenant
        self.tag = tag
        self.limit = limit
        self.cursor = cursor
    }
}

public struct JobPage: Codable, Sendable {
    public var jobs: [Job]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case jobs
        case nextCursor = "next_cursor"
    }

    public init(jobs: [Job], nextCursor: String?) {
        self.jobs = jobs
        self.nextCursor = nextCursor
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

public struct QueueStats: Codable, Sendable, Hashable {
    public var queue: String
    /// Jobs per state; every state is present, zero when empty.
    public var counts: [String: Int]
    /// Seconds since the oldest queued job became due; nil when none is queued.
    public var oldestQueuedAgeSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case queue, counts
        case oldestQueuedAgeSeconds = "oldest_queued_age_seconds"
    }

    public init(queue: String, counts: [String: Int], oldestQueuedAgeSeconds: Double?) {
        self.queue = queue
        self.counts = counts
        self.oldestQueuedAgeSeconds = oldestQueuedAgeSeconds
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queue, forKey: .queue)
        try c.encode(counts, forKey: .counts)
        try c.encode(oldestQueuedAgeSeconds, forKey: .oldestQueuedAgeSeconds)
    }
}
