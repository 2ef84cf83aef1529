import ConveyorCore
import Foundation
import PostgresNIO

/// Operator actions: cancel, retry, metadata, queue counts. Each reads the job under
/// `FOR UPDATE`, so it decides on the state the job really has when it writes.
extension PostgresJobStore {
    public func cancelJob(id: String, now: Date) async throws -> CancelResult {
        try await client.readCommittedTransaction(logger: logger) { db in
            guard let job = try await self.fetchJob(id: id, on: db, forUpdate: true) else {
                throw ConveyorError.notFound(job: id)
            }
            switch job.state {
            case .succeeded, .failed, .cancelled:
                throw ConveyorError.cannotCancel(job: id, state: job.state)
            case .running:
                return .requested(
                    try await self.updateJob(
                        """
                        UPDATE conveyor_jobs SET cancel_requested = true WHERE id = \(id)
                        RETURNING \(unescaped: PostgresJobRow.columns)
                        """, id: id, on: db))
            case .scheduled, .queued, .retrying:
                return .cancelled(
                    try await self.updateJob(
                        """
                        UPDATE conveyor_jobs SET state = 'cancelled', finished_at = \(PostgresTimestamp(now)) WHERE id = \(id)
                        RETURNING \(unescaped: PostgresJobRow.columns)
                        """, id: id, on: db))
            }
        }
    }

    public func retryJob(id: String, now: Date) async throws -> Job {
        try await client.readCommittedTransaction(logger: logger) { db in
            guard let job = try await self.fetchJob(id: id, on: db, forUpdate: true) else {
                throw ConveyorError.notFound(job: id)
            }
            guard job.state == .failed || job.state == .cancelled else {
                throw ConveyorError.cannotRetry(job: id, state: job.state)
            }
            return try await self.updateJob(
                """
                UPDATE conveyor_jobs SET state = 'queued', attempt = 0, run_at = \(PostgresTimestamp(now)), finished_at = NULL,
                    started_at = NULL, result = NULL, cancel_requested = false, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(id)
                RETURNING \(unescaped: PostgresJobRow.columns)
                """, id: id, on: db)
        }
    }

    public func mergeMetadata(id: String, patch: JSONValue) async throws -> Job {
        try await client.readCommittedTransaction(logger: logger) { db in
            guard let job = try await self.fetchJob(id: id, on: db, forUpdate: true) else {
                throw ConveyorError.notFound(job: id)
            }
            // Merged in Swift, not with jsonb operators: RFC 7396 (nested merges, null
            // deletes) is then exactly the one the SQLite store applies.
            let merged = try JSONB(job.metadata.merging(patch: patch))
            return try await self.updateJob(
                """
                UPDATE conveyor_jobs SET metadata = \(merged) WHERE id = \(id)
                RETURNING \(unescaped: PostgresJobRow.columns)
                """, id: id, on: db)
        }
    }

    public func queueStats(now: Date) async throws -> [QueueStats] {
        try await client.withConnection { db in
            var counts: [String: [String: Int]] = [:]
            for row in try await db.rows("SELECT queue, state, count(*) FROM conveyor_jobs GROUP BY queue, state", logger: logger) {
                let (queue, state, count) = try row.decode((String, String, Int).self)
                counts[queue, default: [:]][state] = count
            }
            var oldest: [String: PostgresTimestamp] = [:]
            for row in try await db.rows(
                "SELECT queue, min(run_at) FROM conveyor_jobs WHERE state = 'queued' GROUP BY queue", logger: logger)
            {
                let (queue, runAt) = try row.decode((String, PostgresTimestamp).self)
                oldest[queue] = runAt
            }
            let nowMillis = PostgresTimestamp(now).millis
            return counts.keys.sorted().map { queue in
                var perState = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) })
                perState.merge(counts[queue] ?? [:]) { _, new in new }
                let age = oldest[queue].map { max(0, Double(nowMillis - $0.millis) / 1000) }
                return QueueStats(queue: queue, counts: perState, oldestQueuedAgeSeconds: age)
            }
        }
    }
}
