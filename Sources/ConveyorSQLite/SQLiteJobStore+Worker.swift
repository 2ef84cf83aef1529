import ConveyorCore
import Foundation
import GRDB

/// The hot path: claiming, heartbeats and batched completion.
extension SQLiteJobStore {
    /// Two: SQLite has one writer, and a second call waiting behind the first keeps it busy
    /// while the first one's jobs are handed out and the next batch is gathered. A third
    /// only splits the batches further (docs/performance.md).
    public var claimsInFlight: Int { 2 }

    public func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob] {
        try await pool.write { db in
            try Self.claim(db, queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now)
        }
    }

    public func completeAndClaim(
        _ outcomes: [JobOutcome], queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date
    ) async throws -> (completed: Int, claimed: [ClaimedJob]) {
        let writes = try outcomes.map(CompletionWrite.init)
        return try await pool.write { db in
            let completed = try Self.complete(db, writes, outcomes)
            return (completed, try Self.claim(db, queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now))
        }
    }

    private static func claim(
        _ db: Database, queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date
    ) throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let lease: [(any DatabaseValueConvertible)?] = [owner, SQLiteRow.millis(leaseUntil), SQLiteRow.millis(now)]
        let rows: [Row]
        if let controls = try SQLiteFairClaim.load(db, queue: queue, now: now) {
            let ids = try SQLiteFairClaim(db: db, queue: queue, now: now, controls: controls).pick(limit: limit)
            guard !ids.isEmpty else { return [] }
            rows = try Row.fetchAll(
                db.cachedStatement(sql: Self.claimSQL(picking: "SELECT value FROM json_each(?)")),
                arguments: StatementArguments(lease + [try SQLiteRow.json(ids)]))
        } else {
            // Jobs a fair claim keyed go back to plain order; none, nearly always.
            try db.cachedStatement(
                sql: "UPDATE jobs INDEXED BY jobs_claim_key SET keyed = 0 WHERE state = 'queued' AND queue = ? AND keyed = 1"
            ).execute(arguments: [queue])
            rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: Self.claimSQL(
                        picking: """
                            SELECT id FROM jobs INDEXED BY jobs_claim WHERE state = 'queued' AND queue = ? AND keyed = 0
                            ORDER BY priority DESC, run_at, id LIMIT ?
                            """)),
                arguments: StatementArguments(lease + [queue, limit]))
        }
        let claimed = try Self.claimedJobs(rows)
        try SQLiteEventLog.appendJobEvents(db, ids: claimed.map(\.id))
        return claimed
    }

    /// Built once per form: the statement cache is keyed by SQL text. The ids were picked
    /// in this transaction, so they are queued: a `state` test here would make SQLite
    /// walk every queued job through the state index instead of looking the ids up.
    private static func claimSQL(picking ids: String) -> String {
        """
        UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?,
            started_at = ?, cancel_requested = 0
        WHERE id IN (\(ids))
        RETURNING id, type, queue, payload, attempt, max_attempts, backoff, timeout_seconds, tenant,
            run_at, created_at, priority, concurrency_key
        """
    }

    private static func claimedJobs(_ rows: [Row]) throws -> [ClaimedJob] {
        // Most jobs share a handful of backoff policies: decode each text once.
        var backoffs: [String: BackoffPolicy] = [:]
        var claimed: [(priority: Int, job: ClaimedJob)] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            let backoffText: String = row[6]
            let backoff = try backoffs[backoffText] ?? SQLiteRow.decode(BackoffPolicy.self, backoffText)
            backoffs[backoffText] = backoff
            let payload: String = row[3]
            let job = ClaimedJob(
                id: row[0], type: row[1], queue: row[2], payload: Data(payload.utf8), attempt: row[4],
                maxAttempts: row[5], backoff: backoff, timeoutSeconds: row[7], tenant: row[8],
                runAt: SQLiteRow.date(row[9]), createdAt: SQLiteRow.date(row[10]), concurrencyKey: row[12])
            claimed.append((row[11], job))
        }
        // RETURNING has no order; start the most urgent first.
        claimed.sort { $0.priority != $1.priority ? $0.priority > $1.priority : $0.job.runAt < $1.job.runAt }
        return claimed.map(\.job)
    }

    public func extendLeases(_ leases: [LeaseKey], owner: String, until: Date) async throws -> LeaseReport {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET lease_expires_at = ?
                    WHERE id = ? AND attempt = ? AND lease_owner = ? AND state = 'running'
                    RETURNING cancel_requested
                    """)
            var report = LeaseReport()
            for lease in leases {
                if let cancel = try Bool.fetchOne(statement, arguments: [SQLiteRow.millis(until), lease.id, lease.attempt, owner]) {
                    if cancel { report.cancelRequested.insert(lease) }
                } else {
                    report.lost.insert(lease)
                }
            }
            return report
        }
    }

    public func completeJobs(_ outcomes: [JobOutcome]) async throws -> Int {
        let writes = try outcomes.map(CompletionWrite.init)
        return try await pool.write { db in try Self.complete(db, writes, outcomes) }
    }

    private static func complete(_ db: Database, _ writes: [CompletionWrite], _ outcomes: [JobOutcome]) throws -> Int {
        guard !writes.isEmpty else { return 0 }
        var applied: [String] = []
        applied.reserveCapacity(writes.count)
        for write in writes {
            try db.cachedStatement(sql: write.sql).execute(arguments: write.arguments)
            if db.changesCount > 0 { applied.append(write.id) }
        }
        // Fenced-out outcomes changed nothing and append nothing.
        try SQLiteEventLog.appendJobEvents(db, ids: applied)
        if outcomes.contains(where: \.countsTowardFlowControl) {
            try SQLiteFlowControl.apply(db, outcomes: outcomes, applied: Set(applied))
        }
        return applied.count
    }
}

/// One outcome as an UPDATE fenced by the lease: it applies only while the job is
/// still running under the same attempt and owner.
private struct CompletionWrite {
    private static func update(_ set: String) -> String {
        "UPDATE jobs SET \(set), lease_owner = NULL, lease_expires_at = NULL "
            + "WHERE id = ? AND attempt = ? AND lease_owner = ? AND state = 'running'"
    }

    // Built once: the statement cache is keyed by SQL text.
    static let succeeded = update("state = 'succeeded', result = ?, finished_at = ?")
    static let retry = update("state = 'retrying', run_at = ?, errors = json_insert(errors, '$[#]', json(?))")
    static let failed = update("state = 'failed', finished_at = ?, errors = json_insert(errors, '$[#]', json(?))")
    static let snoozed = update("state = 'scheduled', run_at = ?, attempt = attempt - 1")
    static let cancelled = update("state = 'cancelled', finished_at = ?")
    static let released = update("state = 'queued', attempt = attempt - 1")

    let id: String
    let sql: String
    let arguments: StatementArguments

    init(_ outcome: JobOutcome) throws {
        id = outcome.lease.id
        let finished = SQLiteRow.millis(outcome.finishedAt)
        let values: [(any DatabaseValueConvertible)?]
        switch outcome.kind {
        case .succeeded(let result):
            sql = Self.succeeded
            values = [try result.map(SQLiteRow.json), finished]
        case .retry(let at, let error):
            sql = Self.retry
            values = [SQLiteRow.millis(at), try SQLiteRow.json(error)]
        case .failed(let error):
            sql = Self.failed
            values = [finished, try SQLiteRow.json(error)]
        case .snoozed(let until):
            sql = Self.snoozed
            values = [SQLiteRow.millis(until)]
        case .cancelled:
            sql = Self.cancelled
            values = [finished]
        case .released:
            sql = Self.released
            values = []
        }
        arguments = StatementArguments(values + [outcome.lease.id, outcome.lease.attempt, outcome.owner])
    }
}
