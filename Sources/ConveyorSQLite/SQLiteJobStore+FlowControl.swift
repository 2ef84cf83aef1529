import ConveyorCore
import Foundation
import GRDB

/// Queue settings, queue details and circuit breakers.
extension SQLiteJobStore {
    private static let settingsColumns = """
        paused, fair, concurrency_limit, key_concurrency_limit, rate_count, rate_period_ms, key_rate_count,
        key_rate_period_ms
        """

    public func allQueueSettings() async throws -> [String: QueueSettings] {
        try await pool.read { db in
            var all: [String: QueueSettings] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT queue, \(Self.settingsColumns) FROM queue_settings") {
                all[row[0]] = SQLiteFlowControl.settings(row, from: 1)
            }
            return all
        }
    }

    public func queueSettings(queue: String) async throws -> QueueSettings? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.settingsColumns) FROM queue_settings WHERE queue = ?", arguments: [queue]
            ).map { SQLiteFlowControl.settings($0, from: 0) }
        }
    }

    public func setQueueSettings(_ settings: QueueSettings, queue: String, now: Date) async throws {
        try await pool.write { db in
            // A changed rate starts with a full bucket rather than one sized by the old rate.
            try db.execute(
                sql: """
                    INSERT INTO queue_settings (queue, fair, concurrency_limit, key_concurrency_limit, rate_count,
                        rate_period_ms, key_rate_count, key_rate_period_ms, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (queue) DO UPDATE SET fair = excluded.fair, concurrency_limit = excluded.concurrency_limit,
                        key_concurrency_limit = excluded.key_concurrency_limit, rate_count = excluded.rate_count,
                        rate_period_ms = excluded.rate_period_ms, key_rate_count = excluded.key_rate_count,
                        key_rate_period_ms = excluded.key_rate_period_ms, updated_at = excluded.updated_at,
                        tokens = CASE WHEN rate_count IS excluded.rate_count AND rate_period_ms IS excluded.rate_period_ms
                            THEN tokens END,
                        tokens_at = CASE WHEN rate_count IS excluded.rate_count AND rate_period_ms IS excluded.rate_period_ms
                            THEN tokens_at END
                    """,
                arguments: [
                    queue, settings.fair, settings.concurrencyLimit, settings.keyConcurrencyLimit, settings.rateLimit?.count,
                    settings.rateLimit?.periodMillis, settings.keyRateLimit?.count, settings.keyRateLimit?.periodMillis,
                    SQLiteRow.millis(now),
                ])
        }
    }

    public func setQueuePaused(queue: String, paused: Bool, now: Date) async throws -> Bool {
        try await pool.write { db in
            let was = try Bool.fetchOne(db, sql: "SELECT paused FROM queue_settings WHERE queue = ?", arguments: [queue]) ?? false
            guard let event = try QueuePauseChange.event(queue: queue, was: was, paused: paused) else { return false }
            try db.execute(
                sql: """
                    INSERT INTO queue_settings (queue, paused, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at
                    """,
                arguments: [queue, paused, SQLiteRow.millis(now)])
            try SQLiteEventLog.append(db, type: event.type, topic: event.topic, key: event.key, tenant: event.tenant, data: event.data)
            return true
        }
    }

    public func runningByKey(queue: String, limit: Int) async throws -> [KeyCount] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT concurrency_key, count(*) AS n FROM jobs WHERE state = 'running' AND queue = ?
                    GROUP BY concurrency_key ORDER BY n DESC, concurrency_key LIMIT ?
                    """,
                arguments: [queue, limit]
            ).map { KeyCount(key: $0[0], count: $0[1]) }
        }
    }

    public func finishedCounts(queue: String, since: Date, createdAfter: Date) async throws -> FinishedCounts {
        try await pool.read { db in
            var counts = FinishedCounts(succeeded: 0, failed: 0)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT state, count(*) FROM jobs
                    WHERE state IN ('succeeded', 'failed') AND queue = ? AND id >= ? AND finished_at >= ?
                    GROUP BY state
                    """,
                arguments: [queue, JobID.lowerBound(at: createdAfter), SQLiteRow.millis(since)])
            {
                if (row[0] as String) == "succeeded" { counts.succeeded = row[1] } else { counts.failed = row[1] }
            }
            return counts
        }
    }

    public func pausedKeys(queue: String, now: Date) async throws -> [PausedKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT key, paused_until FROM queue_keys WHERE queue = ? AND paused_until > ? ORDER BY paused_until DESC LIMIT 100",
                arguments: [queue, SQLiteRow.millis(now)]
            ).map { PausedKey(key: $0[0], until: SQLiteRow.date($0[1] as Int64)) }
        }
    }

    public func circuits(state: Circuit.State?, limit: Int) async throws -> [Circuit] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteFlowControl.circuitColumns) FROM circuits
                    WHERE ?1 IS NULL OR state = ?1
                    ORDER BY state = 'closed', updated_at DESC, type, key LIMIT ?2
                    """,
                arguments: [state?.rawValue, limit]
            ).map(SQLiteFlowControl.circuit)
        }
    }

    public func resetCircuits(key: String, type: String?, now: Date) async throws -> [Circuit] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteFlowControl.circuitColumns) FROM circuits WHERE key = ?1 AND (?2 IS NULL OR type = ?2)",
                arguments: [key, type])
            var reset: [Circuit] = []
            for row in rows {
                let (circuit, event) = SQLiteFlowControl.circuit(row).reset(at: now)
                try SQLiteFlowControl.save(db, circuit)
                if let event { try SQLiteFlowControl.appendEvent(db, event, circuit) }
                reset.append(circuit)
            }
            return reset
        }
    }
}
