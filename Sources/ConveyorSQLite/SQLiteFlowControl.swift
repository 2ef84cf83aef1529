import ConveyorCore
import Foundation
import GRDB

/// Flow control inside the completion transaction: breaker counts and handler-signalled
/// key pauses. Runs only for outcomes that carry them, so plain jobs pay nothing.
enum SQLiteFlowControl {
    /// Settings from the columns `paused … key_rate_period_ms` starting at `offset`.
    static func settings(_ row: Row, from o: Int) -> QueueSettings {
        return QueueSettings(
            paused: row[o], fair: row[o + 1], concurrencyLimit: row[o + 2], keyConcurrencyLimit: row[o + 3],
            rateLimit: RateLimit(count: row[o + 4], periodMillis: row[o + 5]),
            keyRateLimit: RateLimit(count: row[o + 6], periodMillis: row[o + 7]))
    }

    static func apply(_ db: Database, outcomes: [JobOutcome], applied: Set<String>) throws {
        for outcome in outcomes where applied.contains(outcome.lease.id) {
            if let until = outcome.pauseKeyUntil, let job = try jobKey(db, id: outcome.lease.id) {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO queue_keys (queue, key, paused_until) VALUES (?, ?, ?)
                        ON CONFLICT (queue, key) DO UPDATE
                        SET paused_until = max(COALESCE(paused_until, 0), excluded.paused_until)
                        """
                ).execute(arguments: [job.queue, job.key, SQLiteRow.millis(until)])
            }
            if let tally = outcome.circuit {
                try count(db, outcome: outcome, tally: tally)
            }
        }
    }

    private static func jobKey(_ db: Database, id: String) throws -> (queue: String, key: String)? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT queue, concurrency_key FROM jobs WHERE id = ?"), arguments: [id])
        else { return nil }
        return (row[0], row[1])
    }

    private static func count(_ db: Database, outcome: JobOutcome, tally: CircuitTally) throws {
        let current = try fetch(db, type: tally.type, key: tally.key)
        guard let (circuit, event) = Circuit.after(outcome, tally: tally, current: current) else { return }
        try save(db, circuit)
        if let event { try appendEvent(db, event, circuit) }
    }

    static let circuitColumns = """
        type, key, queue, tenant, state, failures, threshold, cooldown_ms, opened_at, retry_at, probe_job_id,
        last_error, updated_at
        """

    static func circuit(_ row: Row) -> Circuit {
        Circuit(
            type: row[0], key: row[1], queue: row[2], tenant: row[3],
            state: Circuit.State(rawValue: row[4]) ?? .closed, failures: row[5], threshold: row[6],
            cooldownSeconds: Double(row[7] as Int64) / 1000, openedAt: SQLiteRow.date(row[8] as Int64?),
            retryAt: SQLiteRow.date(row[9] as Int64?), probeJobID: row[10], lastError: row[11],
            updatedAt: SQLiteRow.date(row[12] as Int64))
    }

    static func fetch(_ db: Database, type: String, key: String) throws -> Circuit? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(circuitColumns) FROM circuits WHERE type = ? AND key = ?"),
            arguments: [type, key]
        ).map(circuit)
    }

    static func save(_ db: Database, _ c: Circuit) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO circuits (\(circuitColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (type, key) DO UPDATE SET queue = excluded.queue, tenant = excluded.tenant,
                    state = excluded.state, failures = excluded.failures, threshold = excluded.threshold,
                    cooldown_ms = excluded.cooldown_ms, opened_at = excluded.opened_at, retry_at = excluded.retry_at,
                    probe_job_id = excluded.probe_job_id, last_error = excluded.last_error, updated_at = excluded.updated_at
                """
        ).execute(arguments: [
            c.type, c.key, c.queue, c.tenant, c.state.rawValue, c.failures, c.threshold,
            Int64((c.cooldownSeconds * 1000).rounded()), c.openedAt.map(SQLiteRow.millis), c.retryAt.map(SQLiteRow.millis),
            c.probeJobID, c.lastError, SQLiteRow.millis(c.updatedAt),
        ])
    }

    static func appendEvent(_ db: Database, _ type: String, _ c: Circuit) throws {
        let event = try c.event(type)
        try SQLiteEventLog.append(db, type: event.type, topic: event.topic, key: event.key, tenant: event.tenant, data: event.data)
    }
}
