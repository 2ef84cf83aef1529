import ConveyorCore
import Foundation
import PostgresNIO

/// Conversions between `conveyor_jobs` rows and Core's types.
enum PostgresJobRow {
    /// Every column of a job, in the order ``job(_:)`` reads them.
    static let columnNames = [
        "id", "type", "queue", "state", "priority", "payload", "run_at", "attempt", "max_attempts", "backoff",
        "timeout_seconds", "idempotency_key", "tags", "tenant", "metadata", "errors", "result", "created_at",
        "started_at", "finished_at", "lease_owner", "lease_expires_at", "cancel_requested", "workflow_id", "step",
        "rerun_of", "created_by", "concurrency_key", "unique_key",
    ]

    /// ``columnNames`` as a select list.
    static let columns = columnNames.joined(separator: ", ")

    static func job(_ row: PostgresRow) throws -> Job {
        var c = Columns(row)
        return try job(&c)
    }

    /// Reads a job from the row's next cells, in ``columnNames``' order: rows that carry
    /// more than a job (an event and its job) read theirs first.
    static func job(_ c: inout Columns) throws -> Job {
        let id: String = try c.next()
        let type: String = try c.next()
        let queue: String = try c.next()
        let stateText: String = try c.next()
        guard let state = JobState(rawValue: stateText) else {
            throw PostgresStoreError("unknown job state '\(stateText)' in row \(id)")
        }
        let priority: Int = try c.next()
        let payload: JSONB = try c.next()
        let runAt: PostgresTimestamp = try c.next()
        let attempt: Int = try c.next()
        let maxAttempts: Int = try c.next()
        let backoff: JSONB = try c.next()
        let timeoutSeconds: Double? = try c.next()
        let idempotencyKey: String? = try c.next()
        let tags: [String] = try c.next()
        let tenant: String = try c.next()
        let metadata: JSONB = try c.next()
        let errors: JSONB = try c.next()
        let result: JSONB? = try c.next()
        let createdAt: PostgresTimestamp = try c.next()
        let startedAt: PostgresTimestamp? = try c.next()
        let finishedAt: PostgresTimestamp? = try c.next()
        let leaseOwner: String? = try c.next()
        let leaseExpiresAt: PostgresTimestamp? = try c.next()
        let cancelRequested: Bool = try c.next()
        let workflowID: String? = try c.next()
        let step: String? = try c.next()
        let rerunOf: String? = try c.next()
        let createdBy: String? = try c.next()
        let concurrencyKey: String = try c.next()
        let uniqueKey: String? = try c.next()
        return Job(
            id: id, type: type, queue: queue, state: state, priority: priority,
            payload: try payload.decode(JSONValue.self), runAt: runAt.date, attempt: attempt, maxAttempts: maxAttempts,
            backoff: try backoff.decode(BackoffPolicy.self), timeoutSeconds: timeoutSeconds,
            idempotencyKey: idempotencyKey, tags: tags, tenant: tenant,
            // Most jobs have no metadata and no errors: skip the decoder for those.
            metadata: metadata.isEmptyObject ? .object([:]) : try metadata.decode(JSONValue.self),
            errors: errors.isEmptyArray ? [] : try errors.decode([AttemptError].self),
            result: try result.map { try $0.decode(JSONValue.self) }, createdAt: createdAt.date,
            startedAt: startedAt?.date, finishedAt: finishedAt?.date, leaseOwner: leaseOwner,
            leaseExpiresAt: leaseExpiresAt?.date, cancelRequested: cancelRequested, workflowID: workflowID,
            step: step, rerunOf: rerunOf, createdBy: createdBy, concurrencyKey: concurrencyKey, uniqueKey: uniqueKey)
    }

    /// Reads a row's cells front to back: `PostgresRow` has no O(1) index, and building a
    /// random-access copy for every row costs more than walking it once.
    struct Columns {
        private var iterator: PostgresRow.Iterator

        init(_ row: PostgresRow) {
            iterator = row.makeIterator()
        }

        mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
            guard let cell = iterator.next() else {
                throw PostgresStoreError("a row has fewer columns than the store reads")
            }
            return try cell.decode(T.self)
        }
    }
}
