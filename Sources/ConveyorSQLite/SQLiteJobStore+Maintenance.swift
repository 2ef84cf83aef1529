import ConveyorCore
import Foundation
import GRDB

/// The statements behind the stager, the lease reaper and the pruner.
extension SQLiteJobStore {
    public func stageDueJobs(now: Date, limit: Int) async throws -> Set<String> {
        try await pool.write { db in
            Set(
                try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            UPDATE jobs SET state = 'queued'
                            WHERE id IN (
                                SELECT id FROM jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= ?
                                ORDER BY run_at LIMIT ?)
                            RETURNING queue
                            """),
                    arguments: [SQLiteRow.millis(now), limit]))
        }
    }

    public func nextWaitingRunAt() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(run_at) FROM jobs WHERE state IN ('scheduled', 'retrying')")
                .map(SQLiteRow.date)
        }
    }

    public func rescueExpiredLeases(now: Date, limit: Int) async throws -> Set<String> {
        let nowMillis = SQLiteRow.millis(now)
        let at = ConveyorJSON.formatDate(now)
        return try await pool.write { db in
            // A cancel request wins; otherwise the lost attempt counts, and a job with
            // attempts left goes back to the front of its queue (its run_at is kept).
            // This rule stays in SQL (PostgreSQL has the same CASE): one set-based UPDATE
            // fenced by `state = 'running'` rescues a batch without a read per job.
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET
                            state = CASE WHEN cancel_requested = 1 THEN 'cancelled'
                                         WHEN attempt >= max_attempts THEN 'failed' ELSE 'queued' END,
                            finished_at = CASE WHEN cancel_requested = 1 OR attempt >= max_attempts THEN ? ELSE NULL END,
                            errors = json_insert(errors, '$[#]', json_object(
                                'attempt', attempt, 'at', ?, 'type', 'lease_expired',
                                'message', 'the worker ' || lease_owner || ' stopped renewing its lease (it crashed, was killed or hung)')),
                            lease_owner = NULL, lease_expires_at = NULL
                        WHERE id IN (
                            SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < ? LIMIT ?)
                        RETURNING queue, state, id
                        """),
                arguments: [nowMillis, at, nowMillis, limit])
            // Re-queued jobs append nothing; failed and cancelled ones do.
            try SQLiteEventLog.appendJobEvents(db, ids: rows.map { $0[2] })
            return Set(rows.compactMap { row in (row[1] as String) == "queued" ? row[0] as String : nil })
        }
    }

    public func pruneJobs(succeededBefore: Date, failedBefore: Date, limit: Int) async throws -> Int {
        // A job that finished before a cutoff was created before it, so its id sorts
        // below the cutoff's smallest id: the scan stops at the cutoff, not at the table's end.
        try await pool.write { db in
            var deleted = 0
            for (states, before) in [("'succeeded', 'cancelled'", succeededBefore), ("'failed'", failedBefore)] {
                try db.execute(
                    sql: """
                        DELETE FROM jobs WHERE id IN (
                            SELECT id FROM jobs WHERE id < ? AND state IN (\(states)) AND finished_at < ? LIMIT ?)
                        """,
                    arguments: [JobID.lowerBound(at: before), SQLiteRow.millis(before), max(0, limit - deleted)])
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
