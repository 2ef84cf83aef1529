import ConveyorCore
import Foundation
import PostgresNIO

/// Cron schedules, and the firing transaction: the schedule's row is locked, the job goes
/// in through the one insert statement (its trigger appends `job.submitted`), and the
/// schedule moves to its next run.
extension PostgresJobStore {
    static let scheduleColumns = """
        id, tenant, cron, timezone, job, overlap, misfire, paused, source, next_run_at, last_fired_at, last_job_id, last_outcome,
        created_at, updated_at, created_by
        """

    static func schedule(_ row: PostgresRow) throws -> Schedule {
        var c = PostgresJobRow.Columns(row)
        let (id, tenant, cron, timezone) = (try c.next(String.self), try c.next(String.self), try c.next(String.self), try c.next(String.self))
        let (job, overlapText, misfireText, paused) = (try c.next(JSONB.self), try c.next(String.self), try c.next(String.self), try c.next(Bool.self))
        let (source, next, lastFired) = (try c.next(String.self), try c.next(PostgresTimestamp?.self), try c.next(PostgresTimestamp?.self))
        let (lastJob, lastOutcome) = (try c.next(String?.self), try c.next(String?.self))
        let (created, updated, by) = (try c.next(PostgresTimestamp.self), try c.next(PostgresTimestamp.self), try c.next(String?.self))
        guard let overlap = ScheduleOverlap(rawValue: overlapText), let misfire = ScheduleMisfire(rawValue: misfireText) else {
            throw PostgresStoreError("unknown overlap '\(overlapText)' or misfire '\(misfireText)'")
        }
        return Schedule(
            id: id, tenant: tenant, cron: cron, timezone: timezone, job: try job.decode(ScheduleJob.self), overlap: overlap, misfire: misfire,
            paused: paused, source: source, nextRunAt: next?.date, lastFiredAt: lastFired?.date, lastJobID: lastJob, lastOutcome: lastOutcome,
            createdAt: created.date, updatedAt: updated.date, createdBy: by)
    }

    public func createSchedule(_ schedule: Schedule) async throws -> Bool {
        let s = schedule
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_schedules (\(unescaped: Self.scheduleColumns))
            VALUES (\(s.id), \(s.tenant), \(s.cron), \(s.timezone), \(try JSONB(encoding: s.job)), \(s.overlap.rawValue),
                \(s.misfire.rawValue), \(s.paused), \(s.source), \(s.nextRunAt.map(PostgresTimestamp.init)),
                \(s.lastFiredAt.map(PostgresTimestamp.init)), \(s.lastJobID), \(s.lastOutcome), \(PostgresTimestamp(s.createdAt)),
                \(PostgresTimestamp(s.updatedAt)), \(s.createdBy))
            ON CONFLICT (tenant, id) DO NOTHING
            RETURNING id
            """, logger: logger)
        return !rows.isEmpty
    }

    public func schedule(tenant: String, id: String) async throws -> Schedule? {
        try await client.rows(
            "SELECT \(unescaped: Self.scheduleColumns) FROM conveyor_schedules WHERE tenant = \(tenant) AND id = \(id)", logger: logger
        ).first.map(Self.schedule)
    }

    public func schedules(tenant: String?) async throws -> [Schedule] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.scheduleColumns) FROM conveyor_schedules
            WHERE \(tenant)::text IS NULL OR tenant = \(tenant) ORDER BY id, tenant
            """, logger: logger
        ).map(Self.schedule)
    }

    public func updateSchedule(_ schedule: Schedule) async throws -> Bool {
        let s = schedule
        let rows = try await client.rows(
            """
            UPDATE conveyor_schedules SET cron = \(s.cron), timezone = \(s.timezone),
                job = \(try JSONB(encoding: s.job)), overlap = \(s.overlap.rawValue), misfire = \(s.misfire.rawValue), paused = \(s.paused),
                source = \(s.source), next_run_at = \(s.nextRunAt.map(PostgresTimestamp.init)), updated_at = \(PostgresTimestamp(s.updatedAt))
            WHERE tenant = \(s.tenant) AND id = \(s.id)
            RETURNING id
            """, logger: logger)
        return !rows.isEmpty
    }

    public func deleteSchedule(tenant: String, id: String) async throws -> Bool {
        !(try await client.rows("DELETE FROM conveyor_schedules WHERE tenant = \(tenant) AND id = \(id) RETURNING id", logger: logger))
            .isEmpty
    }

    public func dueSchedules(now: Date, limit: Int) async throws -> [Schedule] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.scheduleColumns) FROM conveyor_schedules
            WHERE NOT paused AND next_run_at IS NOT NULL AND next_run_at <= \(PostgresTimestamp(now))
            ORDER BY next_run_at, id, tenant LIMIT \(max(1, limit))
            """, logger: logger
        ).map(Self.schedule)
    }

    public func nextScheduleRunAt() async throws -> Date? {
        try await client.rows(
            "SELECT min(next_run_at) FROM conveyor_schedules WHERE NOT paused AND next_run_at IS NOT NULL", logger: logger
        ).first?.decode(PostgresTimestamp?.self)?.date
    }

    public func fireSchedule(_ firing: ScheduleFiring) async throws -> ScheduleFiringResult {
        let batch = try firing.job.map { try InsertBatch([$0]) }
        return try await client.readCommittedTransaction(logger: logger) { connection in
            // The row lock serialises schedulers: a second one waits, then sees the moved-on next_run_at.
            guard
                let current = try await connection.rows(
                    """
                    SELECT next_run_at, last_fired_at, last_job_id FROM conveyor_schedules
                    WHERE tenant = \(firing.tenant) AND id = \(firing.scheduleID) FOR UPDATE
                    """,
                    logger: logger
                ).first
            else { return .notFound }
            var c = PostgresJobRow.Columns(current)
            let read = ScheduleFiringRecord(
                nextRunAt: try c.next(PostgresTimestamp?.self)?.date, lastFiredAt: try c.next(PostgresTimestamp?.self)?.date,
                lastJobID: try c.next(String?.self))
            var lastJobState: JobState?
            if let previous = firing.jobToCheck(read) {
                let state = try await connection.rows("SELECT state FROM conveyor_jobs WHERE id = \(previous)", logger: logger)
                    .first?.decode(String.self)
                lastJobState = state.flatMap(JobState.init(rawValue:))
            }
            let result: ScheduleFiringResult
            switch firing.plan(read, lastJobState: lastJobState) {
            case .stale:
                return .stale
            case .skip(let skipped):
                result = skipped
            case .insert:
                guard let batch, let job = batch.jobs.first else {
                    throw PostgresStoreError("a schedule firing planned an insert without a job")
                }
                let inserted = try await connection.rows(batch.insertQuery(), logger: logger)
                result = inserted.isEmpty ? .duplicate(jobID: job.id) : .fired(job)
            }
            let record = firing.record(after: result, read: read)
            try await connection.rows(
                """
                UPDATE conveyor_schedules SET next_run_at = \(record.nextRunAt.map(PostgresTimestamp.init)),
                    last_fired_at = \(record.lastFiredAt.map(PostgresTimestamp.init)), last_job_id = \(record.lastJobID),
                    last_outcome = \(record.lastOutcome)
                WHERE tenant = \(firing.tenant) AND id = \(firing.scheduleID)
                """, logger: logger)
            return result
        }
    }
}
