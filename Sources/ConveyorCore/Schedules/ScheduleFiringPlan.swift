import Foundation

/// A schedule's firing record as the store read it (locked) in the firing transaction, and
/// as the store writes it back.
public struct ScheduleFiringRecord: Sendable, Hashable {
    public var nextRunAt: Date?
    public var lastFiredAt: Date?
    public var lastJobID: String?
    /// What `last_outcome` records (``ScheduleFiringResult/outcome``).
    public var lastOutcome: String?

    public init(nextRunAt: Date?, lastFiredAt: Date?, lastJobID: String?, lastOutcome: String? = nil) {
        self.nextRunAt = nextRunAt
        self.lastFiredAt = lastFiredAt
        self.lastJobID = lastJobID
        self.lastOutcome = lastOutcome
    }
}

/// What one firing does, decided in Core on the record the store read, so both stores
/// fence, skip and record a firing the same way (``ScheduleStore/fireSchedule(_:)``).
public enum ScheduleFiringPlan: Sendable, Hashable {
    /// Insert the job (through the store's one insert statement), then write
    /// ``ScheduleFiring/record(after:read:)`` of what the insert did.
    case insert(NewJob)
    /// Insert nothing; write ``ScheduleFiring/record(after:read:)`` of this result.
    case skip(ScheduleFiringResult)
    /// Another scheduler fired it first: write nothing and answer ``ScheduleFiringResult/stale``.
    case stale
}

extension ScheduleFiring {
    /// The job whose state the overlap rule needs (the schedule's last job), or nil when
    /// the decision does not depend on it.
    public func jobToCheck(_ read: ScheduleFiringRecord) -> String? {
        guard job != nil, skipWhileActive else { return nil }
        return read.lastJobID
    }

    /// The plan for this firing against the record as read, and the state of the job
    /// ``jobToCheck(_:)`` named (nil when none was asked for, or it is gone).
    ///
    /// - When the stored `next_run_at` is not the one the scheduler read (to the
    ///   millisecond, the stores' common precision), another scheduler fired it: stale.
    /// - With `overlap: skip`, a last job that has not finished skips the firing.
    /// - A firing without a job records a skip.
    public func plan(_ read: ScheduleFiringRecord, lastJobState: JobState?) -> ScheduleFiringPlan {
        if let expected = expectedNextRunAt, read.nextRunAt.map(Self.millis) != Self.millis(expected) { return .stale }
        guard let job else { return .skip(.skipped) }
        if skipWhileActive, let previous = read.lastJobID, let state = lastJobState, !state.isFinal {
            return .skip(.skippedOverlap(previousJobID: previous))
        }
        return .insert(job)
    }

    /// The record to write after `result`: a job inserted or found (`duplicate`) becomes
    /// the last job, fired at ``fireTime``; `next_run_at` moves on, except for a manual
    /// trigger (no ``expectedNextRunAt``), which leaves it.
    public func record(after result: ScheduleFiringResult, read: ScheduleFiringRecord) -> ScheduleFiringRecord {
        var record = read
        switch result {
        case .fired(let job):
            record.lastJobID = job.id
            record.lastFiredAt = fireTime
        case .duplicate(let id):
            record.lastJobID = id
            record.lastFiredAt = fireTime
        case .skippedOverlap, .skipped, .stale, .notFound:
            break
        }
        if expectedNextRunAt != nil { record.nextRunAt = nextRunAt }
        record.lastOutcome = result.outcome ?? skippedOutcome
        return record
    }

    private static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
