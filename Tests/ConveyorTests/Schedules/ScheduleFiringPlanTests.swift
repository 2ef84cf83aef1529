import ConveyorCore
import Foundation
import Testing

/// The rule both stores apply inside the firing transaction (``ScheduleFiringPlan``).
@Suite("Schedule firing plan") struct ScheduleFiringPlanTests {
    let due = Date(timeIntervalSince1970: 1_800_000_000)
    var next: Date { due.addingTimeInterval(3600) }
    var job: NewJob { NewJob(id: "job-new", type: "report", runAt: due, createdAt: due) }

    func firing(job: NewJob?, manual: Bool = false, skipWhileActive: Bool = false, skippedOutcome: String? = nil) -> ScheduleFiring {
        ScheduleFiring(
            tenant: "default", scheduleID: "nightly", expectedNextRunAt: manual ? nil : due, nextRunAt: next, job: job,
            fireTime: due, skipWhileActive: skipWhileActive, skippedOutcome: skippedOutcome, now: due)
    }

    let read = ScheduleFiringRecord(
        nextRunAt: Date(timeIntervalSince1970: 1_800_000_000), lastFiredAt: Date(timeIntervalSince1970: 1_799_996_400), lastJobID: "job-old")

    @Test func aMovedNextRunIsStale() {
        var moved = read
        moved.nextRunAt = next
        #expect(firing(job: job).plan(moved, lastJobState: nil) == .stale)
        moved.nextRunAt = nil
        #expect(firing(job: job).plan(moved, lastJobState: nil) == .stale)
        // Equal to the millisecond is the same run (SQLite keeps milliseconds).
        moved.nextRunAt = due.addingTimeInterval(0.0001)
        #expect(firing(job: job).plan(moved, lastJobState: nil) == .insert(job))
        // A manual trigger has no fence.
        #expect(firing(job: job, manual: true).plan(ScheduleFiringRecord(nextRunAt: nil, lastFiredAt: nil, lastJobID: nil), lastJobState: nil) == .insert(job))
    }

    @Test func overlapSkipLooksAtTheLastJobOnlyWhenAsked() {
        #expect(firing(job: job).jobToCheck(read) == nil)
        #expect(firing(job: nil, skipWhileActive: true).jobToCheck(read) == nil)
        #expect(firing(job: job, skipWhileActive: true).jobToCheck(read) == "job-old")
        let skip = firing(job: job, skipWhileActive: true)
        for state in [JobState.scheduled, .queued, .running, .retrying] {
            #expect(skip.plan(read, lastJobState: state) == .skip(.skippedOverlap(previousJobID: "job-old")))
        }
        for state in [JobState.succeeded, .failed, .cancelled] {
            #expect(skip.plan(read, lastJobState: state) == .insert(job))
        }
        // A last job that is gone does not block.
        #expect(skip.plan(read, lastJobState: nil) == .insert(job))
        // Without overlap: skip, a running last job does not block either.
        #expect(firing(job: job).plan(read, lastJobState: .running) == .insert(job))
    }

    @Test func noJobRecordsTheSkipAndMovesOn() {
        let f = firing(job: nil, skippedOutcome: "skipped_misfire")
        #expect(f.plan(read, lastJobState: nil) == .skip(.skipped))
        let record = f.record(after: .skipped, read: read)
        #expect(record == ScheduleFiringRecord(nextRunAt: next, lastFiredAt: read.lastFiredAt, lastJobID: "job-old", lastOutcome: "skipped_misfire"))
    }

    @Test func aFiredOrDuplicateJobBecomesTheLastJob() throws {
        let fired = Job(
            id: "job-new", type: "report", queue: "default", state: .queued, priority: 0, payload: [:], runAt: due, attempt: 0,
            maxAttempts: 3, backoff: .fixed(seconds: 1), timeoutSeconds: nil, idempotencyKey: nil, tags: [], tenant: "default",
            metadata: [:], errors: [], result: nil, createdAt: due, startedAt: nil, finishedAt: nil, leaseOwner: nil,
            leaseExpiresAt: nil, cancelRequested: false, workflowID: nil, step: nil, rerunOf: nil, createdBy: nil,
            concurrencyKey: "", uniqueKey: nil)
        #expect(
            firing(job: job).record(after: .fired(fired), read: read)
                == ScheduleFiringRecord(nextRunAt: next, lastFiredAt: due, lastJobID: "job-new", lastOutcome: "fired"))
        #expect(
            firing(job: job).record(after: .duplicate(jobID: "job-new"), read: read)
                == ScheduleFiringRecord(nextRunAt: next, lastFiredAt: due, lastJobID: "job-new", lastOutcome: "duplicate"))
        // An overlap skip keeps the last job; a manual trigger keeps next_run_at.
        #expect(
            firing(job: job, manual: true, skipWhileActive: true).record(after: .skippedOverlap(previousJobID: "job-old"), read: read)
                == ScheduleFiringRecord(nextRunAt: read.nextRunAt, lastFiredAt: read.lastFiredAt, lastJobID: "job-old", lastOutcome: "skipped_overlap"))
    }
}
