import ConveyorCore
import Foundation
import GRDB

/// Cron schedules, and the firing transaction: the job's insert (through the one insert
/// statement, appending `job.submitted`) and the schedule's move to its next run.
extension SQLiteJobStore {
    static let scheduleColumns = """
        id, tenant, cron, timezone, job, overlap, misfire, paused, source, next_run_at, last_fired_at, last_job_id, last_outcome,
        created_at, updated_at, created_by
        """

    static func schedule(_ row: Row) throws -> Schedule {
        guard let overlap = ScheduleOverlap(rawValue: row[5]), let misfire = ScheduleMisfire(rawValue: row[6]) else {
            throw DatabaseError(message: "unknown overlap '\(row[5] as String)' or misfire '\(row[6] as String)'")
        }
        return Schedule(
            id: row[0], tenant: row[1], cron: row[2], timezone: row[3], job: try SQLiteRow.decode(ScheduleJob.self, row[4]),
            overlap: overlap, misfire: misfire, paused: row[7], source: row[8], nextRunAt: SQLiteRow.date(row[9] as Int64?),
            lastFiredAt: SQLiteRow.date(row[10] as Int64?), lastJobID: row[11], lastOutcome: row[12],
            createdAt: SQLiteRow.date(row[13] as Int64), updatedAt: SQLiteRow.date(row[14] as Int64), createdBy: row[15])
    }

    private static func fetchSchedule(_ db: Database, tenant: String, id: String) throws -> Schedule? {
        try Row.fetchOne(db, sql: "SELECT \(scheduleColumns) FROM schedules WHERE tenant = ? AND id = ?", arguments: [tenant, id])
            .map(schedule)
    }

    public func createSchedule(_ schedule: Schedule) async throws -> Bool {
        let s = schedule
        let job = try SQLiteRow.json(s.job)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO schedules (\(Self.scheduleColumns))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant, id) DO NOTHING
                    """,
                arguments: [
                    s.id, s.tenant, s.cron, s.timezone, job, s.overlap.rawValue, s.misfire.rawValue, s.paused, s.source,
                    s.nextRunAt.map(SQLiteRow.millis), s.lastFiredAt.map(SQLiteRow.millis), s.lastJobID, s.lastOutcome,
                    SQLiteRow.millis(s.createdAt), SQLiteRow.millis(s.updatedAt), s.createdBy,
                ])
            return db.changesCount == 1
        }
    }

    public func schedule(tenant: String, id: String) async throws -> Schedule? {
        try await pool.read { db in try Self.fetchSchedule(db, tenant: tenant, id: id) }
    }

    public func schedules(tenant: String?) async throws -> [Schedule] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.scheduleColumns) FROM schedules WHERE ? IS NULL OR tenant = ? ORDER BY id, tenant", arguments: [tenant, tenant]
            ).map(Self.schedule)
        }
    }

    public func updateSchedule(_ schedule: Schedule) async throws -> Bool {
        let s = schedule
        let job = try SQLiteRow.json(s.job)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE schedules SET cron = ?, timezone = ?, job = ?, overlap = ?, misfire = ?, paused = ?, source = ?,
                        next_run_at = ?, updated_at = ?
                    WHERE tenant = ? AND id = ?
                    """,
                arguments: [
                    s.cron, s.timezone, job, s.overlap.rawValue, s.misfire.rawValue, s.paused, s.source,
                    s.nextRunAt.map(SQLiteRow.millis), SQLiteRow.millis(s.updatedAt), s.tenant, s.id,
                ])
            return db.changesCount > 0
        }
    }

    public func deleteSchedule(tenant: String, id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM schedules WHERE tenant = ? AND id = ?", arguments: [tenant, id])
            return db.changesCount > 0
        }
    }

    public func dueSchedules(now: Date, limit: Int) async throws -> [Schedule] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.scheduleColumns) FROM schedules
                    WHERE paused = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?
                    ORDER BY next_run_at, id, tenant LIMIT ?
                    """,
                arguments: [SQLiteRow.millis(now), max(1, limit)]
            ).map(Self.schedule)
        }
    }

    public func nextScheduleRunAt() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_run_at) FROM schedules WHERE paused = 0 AND next_run_at IS NOT NULL")
                .map(SQLiteRow.date)
        }
    }

    public func fireSchedule(_ firing: ScheduleFiring) async throws -> ScheduleFiringResult {
        let row = try firing.job.map { job in try InsertRow(job, backoffJSON: SQLiteRow.json(job.backoff)) }
        return try await pool.write { db in
            guard
                let current = try Row.fetchOne(
                    db, sql: "SELECT next_run_at, last_fired_at, last_job_id FROM schedules WHERE tenant = ? AND id = ?",
                    arguments: [firing.tenant, firing.scheduleID])
            else { return .notFound }
            let read = ScheduleFiringRecord(
                nextRunAt: SQLiteRow.date(current[0] as Int64?), lastFiredAt: SQLiteRow.date(current[1] as Int64?), lastJobID: current[2])
            let lastJobState = try firing.jobToCheck(read).flatMap { id in
                try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [id]).flatMap(JobState.init(rawValue:))
            }
            let result: ScheduleFiringResult
            switch firing.plan(read, lastJobState: lastJobState) {
            case .stale:
                return .stale
            case .skip(let skipped):
                result = skipped
            case .insert:
                guard let row else { throw DatabaseError(message: "a schedule firing planned an insert without a job") }
                try db.cachedStatement(sql: Self.insertSQL).execute(arguments: row.arguments)
                if db.changesCount == 1 {
                    try SQLiteEventLog.appendJobEvents(db, ids: [row.job.id], submitted: true)
                    result = .fired(row.job)
                } else {
                    result = .duplicate(jobID: row.job.id)
                }
            }
            let record = firing.record(after: result, read: read)
            try db.execute(
                sql: "UPDATE schedules SET next_run_at = ?, last_fired_at = ?, last_job_id = ?, last_outcome = ? WHERE tenant = ? AND id = ?",
                arguments: [
                    record.nextRunAt.map(SQLiteRow.millis), record.lastFiredAt.map(SQLiteRow.millis), record.lastJobID, record.lastOutcome,
                    firing.tenant, firing.scheduleID,
                ])
            return result
        }
    }
}
