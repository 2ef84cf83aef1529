import ConveyorCore
import Foundation
import PostgresNIO

/// The statements behind the stager, the lease reaper and the pruner. Each picks its rows
/// with `FOR UPDATE SKIP LOCKED`, so it never waits on a worker writing the same job: a
/// row busy now is simply taken on the next tick.
extension PostgresJobStore {
    public func stageDueJobs(now: Date, limit: Int) async throws -> Set<String> {
        let rows = try await client.rows(
            """
            WITH staged AS (
                UPDATE conveyor_jobs SET state = 'queued'
                WHERE id IN (
                    SELECT id FROM conveyor_jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= \(PostgresTimestamp(now))
                    ORDER BY run_at LIMIT \(max(0, limit))
                    FOR UPDATE SKIP LOCKED)
                RETURNING queue)
            SELECT DISTINCT queue FROM staged
            """, logger: logger)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    public func nextWaitingRunAt() async throws -> Date? {
        let rows = try await client.rows(
            "SELECT min(run_at) FROM conveyor_jobs WHERE state IN ('scheduled', 'retrying')", logger: logger)
        return try rows.first?.decode(PostgresTimestamp?.self)?.date
    }

    public func rescueExpiredLeases(now: Date, limit: Int) async throws -> Set<String> {
        let at = PostgresTimestamp(now)
        // A cancel request wins; otherwise the lost attempt counts, and a job with
        // attempts left goes back to the front of its queue (its run_at is kept).
        // This rule stays in SQL (SQLite has the same CASE): one set-based UPDATE fenced by
        // `state = 'running'` rescues a batch without a read per job.
        let rows = try await client.rows(
            """
            WITH rescued AS (
                UPDATE conveyor_jobs SET
                    state = CASE WHEN cancel_requested THEN 'cancelled'
                                 WHEN attempt >= max_attempts THEN 'failed' ELSE 'queued' END,
                    finished_at = CASE WHEN cancel_requested OR attempt >= max_attempts THEN \(at) ELSE NULL END,
                    errors = errors || jsonb_build_array(jsonb_build_object(
                        'attempt', attempt, 'at', \(ConveyorJSON.formatDate(now))::text, 'type', 'lease_expired',
                        'message', 'the worker ' || lease_owner || ' stopped renewing its lease (it crashed, was killed or hung)')),
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE id IN (
                    SELECT id FROM conveyor_jobs WHERE state = 'running' AND lease_expires_at < \(at) LIMIT \(max(0, limit))
                    FOR UPDATE SKIP LOCKED)
                RETURNING queue, state)
            SELECT DISTINCT queue FROM rescued WHERE state = 'queued'
            """, logger: logger)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    public func pruneJobs(succeededBefore: Date, failedBefore: Date, limit: Int) async throws -> Int {
        // A job that finished before a cutoff was created before it, so its id sorts
        // below the cutoff's smallest id: the scan stops at the cutoff, not at the table's end.
        try await client.readCommittedTransaction(logger: logger) { db in
            var deleted = 0
            for (states, before) in [(["succeeded", "cancelled"], succeededBefore), (["failed"], failedBefore)] {
                let rows = try await db.rows(
                    """
                    WITH pruned AS (
                        DELETE FROM conveyor_jobs WHERE id IN (
                            SELECT id FROM conveyor_jobs
                            WHERE id < \(JobID.lowerBound(at: before)) AND state = ANY(\(states)::text[])
                                AND finished_at < \(PostgresTimestamp(before))
                            LIMIT \(max(0, limit - deleted))
                            FOR UPDATE SKIP LOCKED)
                        RETURNING 1)
                    SELECT count(*) FROM pruned
                    """, logger: logger)
                deleted += try rows.first?.decode(Int.self) ?? 0
            }
            return deleted
        }
    }
}
