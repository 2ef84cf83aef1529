import ConveyorCore
import Foundation
import GRDB

/// The hot path: claiming, heartbeats and batched completion.
extension SQLiteJobStore {
    public func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?,
                            started_at = ?, cancel_requested = 0
                        WHERE id IN (
                            SELECT id FROM jobs WHERE state = 'queued' AND queue = ?
                            ORDER BY priority DESC, run_at, id LIMIT ?)
                        RETURNING id, type, queue, payload, attempt, max_attempts, backoff, timeout_seconds, tenant,
                            run_at, created_at, priority
                        """),
                arguments: [owner, SQLiteRow.millis(leaseUntil), SQLiteRow.millis(now), queue, limit])
            return try Self.claimedJobs(rows)
        }
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
                runAt: SQLiteRow.date(row[9]), createdAt: SQLiteRow.date(row[10]))
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
        return try await pool.write { db in
            var applied = 0
            for write in writes {
                try db.cachedStatement(sql: write.sql).execute(arguments: write.arguments)
                applied += db.changesCount
            }
            return applied
        }
    }
}

/// One outcome as an UPDATE fenced by the lease: it applies only while the job is
/// still running under the same attempt and owner.
private struct CompletionWrite {
    static let fence = "WHERE id = ? AND attempt = ? AND lease_owner = ? AND state = 'running'"
    static let clearLease = "lease_owner = NULL, lease_expires_at = NULL"

    let sql: String
    let arguments: StatementArguments

    init(_ outcome: JobOutcome) throws {
        let finished = SQLiteRow.millis(outcome.finishedAt)
        let fenceArguments: [(any DatabaseValueConvertible)?] = [outcome.lease.id, outcome.lease.attempt, outcome.owner]
        let set: String
        let values: [(any DatabaseValueConvertible)?]
        switch outcome.kind {
        case .succeeded(let result):
            set = "state = 'succeeded', result = ?, finished_at = ?"
            values = [try result.map(SQLiteRow.json), finished]
        case .retry(let at, let error):
            set = "state = 'retrying', run_at = ?, errors = json_insert(errors, '$[#]', json(?))"
            values = [SQLiteRow.millis(at), try SQLiteRow.json(error)]
        case .failed(let error):
            set = "state = 'failed', finished_at = ?, errors = json_insert(errors, '$[#]', json(?))"
            values = [finished, try SQLiteRow.json(error)]
        case .snoozed(let until):
            set = "state = 'scheduled', run_at = ?, attempt = attempt - 1"
            values = [SQLiteRow.millis(until)]
        case .cancelled:
            set = "state = 'cancelled', finished_at = ?"
            values = [finished]
        case .released:
            set = "state = 'queued', attempt = attempt - 1"
            values = []
        }
        sql = "UPDATE jobs SET \(set), \(Self.clearLease) \(Self.fence)"
        arguments = StatementArguments(values + fenceArguments)
    }
}
