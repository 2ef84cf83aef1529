import Foundation

/// The cron schedules' part of the store. Each method is one transaction. See docs/schedules.md.
public protocol ScheduleStore: Sendable {
    // A schedule is named by its tenant and its id: two tenants may both have a
    // `nightly-report`, and neither learns of the other's.

    /// Inserts the schedule; false (nothing written) when its tenant has one with its id.
    func createSchedule(_ schedule: Schedule) async throws -> Bool

    func schedule(tenant: String, id: String) async throws -> Schedule?

    /// Every schedule (nil) or one tenant's, by id.
    func schedules(tenant: String?) async throws -> [Schedule]

    /// Writes the definition, `paused`, `source`, `next_run_at` and `updated_at`; the
    /// firing record (`last_*`) stays. Found by its tenant and id. False when absent.
    func updateSchedule(_ schedule: Schedule) async throws -> Bool

    /// Deletes the schedule (its jobs stay). False when absent.
    func deleteSchedule(tenant: String, id: String) async throws -> Bool

    /// Unpaused schedules whose `next_run_at` is at or before `now`, earliest first.
    func dueSchedules(now: Date, limit: Int) async throws -> [Schedule]

    /// The earliest `next_run_at` of an unpaused schedule.
    func nextScheduleRunAt() async throws -> Date?

    /// One firing in one transaction: inserts the job (no-op when its id or idempotency key
    /// exists: `duplicate`), or records a skip, and moves `next_run_at` on. Fenced by
    /// ``ScheduleFiring/expectedNextRunAt``: when the stored value differs, another
    /// scheduler got there first and nothing is written (``ScheduleFiringResult/stale``).
    func fireSchedule(_ firing: ScheduleFiring) async throws -> ScheduleFiringResult
}

public struct ScheduleFiring: Sendable, Hashable {
    /// The schedule's tenant and id: together they name it.
    public var tenant: String
    public var scheduleID: String
    /// The `next_run_at` the scheduler read. Nil for a manual trigger: no fence, and
    /// `next_run_at` stays.
    public var expectedNextRunAt: Date?
    /// The `next_run_at` to write (ignored for a manual trigger).
    public var nextRunAt: Date?
    /// The job to insert; nil records `skippedOutcome` and only moves the schedule on.
    public var job: NewJob?
    /// The fire time the job stands for (`last_fired_at`).
    public var fireTime: Date
    /// `overlap: skip`: insert nothing while the schedule's last job is scheduled, queued,
    /// running or retrying.
    public var skipWhileActive: Bool
    public var skippedOutcome: String?
    public var now: Date

    public init(
        tenant: String, scheduleID: String, expectedNextRunAt: Date?, nextRunAt: Date?, job: NewJob?, fireTime: Date, skipWhileActive: Bool = false,
        skippedOutcome: String? = nil, now: Date
    ) {
        self.tenant = tenant
        self.scheduleID = scheduleID
        self.expectedNextRunAt = expectedNextRunAt
        self.nextRunAt = nextRunAt
        self.job = job
        self.fireTime = fireTime
        self.skipWhileActive = skipWhileActive
        self.skippedOutcome = skippedOutcome
        self.now = now
    }
}

public enum ScheduleFiringResult: Sendable, Hashable {
    /// The job was inserted (and its `job.submitted` event appended).
    case fired(Job)
    /// A job with this id or idempotency key existed: nothing inserted.
    case duplicate(jobID: String)
    /// The last job is still active and the overlap policy is `skip`.
    case skippedOverlap(previousJobID: String)
    /// No job was asked for; the schedule moved on.
    case skipped
    /// `next_run_at` was not the expected one: another scheduler fired it. Nothing written.
    case stale
    /// The schedule is gone.
    case notFound

    /// What `last_outcome` records.
    public var outcome: String? {
        switch self {
        case .fired: "fired"
        case .duplicate: "duplicate"
        case .skippedOverlap: "skipped_overlap"
        case .skipped, .stale, .notFound: nil
        }
    }
}
