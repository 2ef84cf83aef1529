import ConveyorCore
import Foundation
import PostgresNIO

/// The claim, prepared once per connection: it runs for every batch a worker takes.
/// `conveyor_claim` (defined by ``PostgresSchema/V11KeyedClaim``) picks the plain or the
/// fair path in the server.
///
/// On the plain path `FOR UPDATE SKIP LOCKED` lets many nodes claim from one queue at once: each takes
/// rows no other claim has locked, and under READ COMMITTED a row whose state changed
/// before its lock was taken is re-checked and dropped, so a job is never handed out twice.
struct ClaimStatement: PostgresPreparedStatement {
    static let name = "conveyor_claim_jobs_v2"

    static let sql = "SELECT * FROM conveyor_claim($1, $2::integer, $3, $4, $5)"

    /// One claimed row; the backoff stays raw so equal policies are decoded once per batch.
    struct Row {
        var id: String
        var type: String
        var queue: String
        var payload: JSONB
        var attempt: Int
        var maxAttempts: Int
        var backoff: JSONB
        var timeoutSeconds: Double?
        var tenant: String
        var runAt: PostgresTimestamp
        var createdAt: PostgresTimestamp
        var priority: Int
        var concurrencyKey: String
    }

    var queue: String
    var limit: Int
    var owner: String
    var leaseUntil: PostgresTimestamp
    var now: PostgresTimestamp

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(queue)
        bindings.append(limit)
        bindings.append(owner)
        bindings.append(leaseUntil)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var c = PostgresJobRow.Columns(row)
        return Row(
            id: try c.next(), type: try c.next(), queue: try c.next(), payload: try c.next(), attempt: try c.next(),
            maxAttempts: try c.next(), backoff: try c.next(), timeoutSeconds: try c.next(), tenant: try c.next(),
            runAt: try c.next(), createdAt: try c.next(), priority: try c.next(), concurrencyKey: try c.next())
    }

    /// The claimed jobs, most urgent first: RETURNING has no order.
    static func claimedJobs(_ rows: [Row]) throws -> [ClaimedJob] {
        var backoffs: [Data: BackoffPolicy] = [:]
        var claimed: [(priority: Int, job: ClaimedJob)] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            let backoff = try backoffs[row.backoff.bytes] ?? row.backoff.decode(BackoffPolicy.self)
            backoffs[row.backoff.bytes] = backoff
            let job = ClaimedJob(
                id: row.id, type: row.type, queue: row.queue, payload: row.payload.bytes, attempt: row.attempt,
                maxAttempts: row.maxAttempts, backoff: backoff, timeoutSeconds: row.timeoutSeconds, tenant: row.tenant,
                runAt: row.runAt.date, createdAt: row.createdAt.date, concurrencyKey: row.concurrencyKey)
            claimed.append((row.priority, job))
        }
        claimed.sort {
            if $0.priority != $1.priority { return $0.priority > $1.priority }
            if $0.job.runAt != $1.job.runAt { return $0.job.runAt < $1.job.runAt }
            return $0.job.id < $1.job.id
        }
        return claimed.map(\.job)
    }
}
