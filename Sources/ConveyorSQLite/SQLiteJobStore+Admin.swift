import ConveyorCore
import Foundation
import GRDB

/// Operator actions: cancel, retry, metadata, queue counts.
extension SQLiteJobStore {
    public func cancelJob(id: String, now: Date) async throws -> CancelResult {
        try await pool.write { db in
            guard let job = try self.fetchJob(db, id: id) else { throw ConveyorError.notFound(job: id) }
            switch job.state {
            case .succeeded, .failed, .cancelled:
                throw ConveyorError.cannotCancel(job: id, state: job.state)
            case .running:
                try db.execute(sql: "UPDATE jobs SET cancel_requested = 1 WHERE id = ?", arguments: [id])
                return .requested(try self.fetchJob(db, id: id)!)
            case .scheduled, .queued, .retrying:
                try db.execute(
                    sql: "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ?",
                    arguments: [SQLiteRow.millis(now), id])
                try SQLiteEventLog.appendJobEvents(db, ids: [id])
                return .cancelled(try self.fetchJob(db, id: id)!)
            }
        }
    }

    public func retryJob(id: String, now: Date) async throws -> Job {
        try await pool.write { db in
            guard let job = try self.fetchJob(db, id: id) else { throw ConveyorError.notFound(job: id) }
            guard job.state == .failed || job.state == .cancelled else {
                throw ConveyorError.cannotRetry(job: id, state: job.state)
            }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', attempt = 0, run_at = ?, finished_at = NULL, started_at = NULL,
                        result = NULL, cancel_requested = 0, lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """,
                arguments: [SQLiteRow.millis(now), id])
            return try self.fetchJob(db, id: id)!
        }
    }

    public func mergeMetadata(id: String, patch: JSONValue) async throws -> Job {
        try await pool.write { db in
            guard let job = try self.fetchJob(db, id: id) else { throw ConveyorError.notFound(job: id) }
            let merged = job.metadata.merging(patch: patch)
            try db.execute(sql: "UPDATE jobs SET metadata = ? WHERE id = ?", arguments: [try SQLiteRow.json(merged), id])
            return try self.fetchJob(db, id: id)!
        }
    }

    public func queueStats(now: Date) async throws -> [QueueStats] {
        try await pool.read { db in
            var counts: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT queue, state, COUNT(*) FROM jobs GROUP BY queue, state") {
                counts[row[0], default: [:]][row[1]] = row[2]
            }
            var oldest: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT queue, MIN(run_at) FROM jobs WHERE state = 'queued' GROUP BY queue") {
                oldest[row[0]] = row[1]
            }
            let nowMillis = SQLiteRow.millis(now)
            return counts.keys.sorted().map { queue in
                var perState = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) })
                perState.merge(counts[queue] ?? [:]) { _, new in new }
                let age = oldest[queue].map { max(0, Double(nowMillis - $0) / 1000) }
                return QueueStats(queue: queue, counts: perState, oldestQueuedAgeSeconds: age)
            }
        }
    }
}
